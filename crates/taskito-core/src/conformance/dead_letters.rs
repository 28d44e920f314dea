//! Dead letters and purging old rows.

use super::fixtures::{
    claim, complete, dead, finish, get, insert_one, new_job, purge, running, T0,
};
use crate::{
    metric_bucket, Error, JobState, MetricRollup, MetricTally, NewJob, NewLogEntry, Outcome,
    PurgeTarget, Store,
};

/// Makes a job of `queue` dead at `now`; returns its dead letter id.
fn kill(store: &dyn Store, job: NewJob, now: i64) -> String {
    let queue = job.queue.clone();
    let id = insert_one(store, job);
    let claimed = claim(store, "w", &[&queue], 1, now);
    assert_eq!(claimed[0].id, id);
    assert_eq!(finish(store, &[dead(&claimed[0], "fatal")], now), (1, 0));
    let letters = store.dead_list(0, 0).expect("dead_list");
    letters
        .into_iter()
        .find(|l| l.original_job_id == id)
        .expect("a dead letter for the job")
        .id
}

/// Retrying a dead letter enqueues a new job with the same work and settings,
/// no retries spent, runnable now, and removes the entry.
pub fn dead_retry_enqueues_a_fresh_copy(store: &dyn Store) {
    let original = NewJob {
        payload: b"\x00work\xff".to_vec(),
        priority: 3,
        max_retries: 4,
        backoff_ms: 77,
        timeout_ms: 1_234,
        metadata: Some(r#"{"m":1}"#.into()),
        result_ttl_ms: Some(999),
        ..new_job("dq", "app.task")
    };
    let letter = kill(store, original.clone(), T0);
    let new_id = store.dead_retry(&letter, T0 + 900).expect("dead_retry");
    assert_ne!(new_id, original.id);
    let job = get(store, &new_id);
    assert_eq!(
        (job.queue.as_str(), job.task_name.as_str()),
        ("dq", "app.task")
    );
    assert_eq!(job.payload, original.payload);
    assert_eq!(
        (
            job.priority,
            job.max_retries,
            job.backoff_ms,
            job.timeout_ms
        ),
        (3, 4, 77, 1_234)
    );
    assert_eq!(
        (job.metadata, job.result_ttl_ms),
        (original.metadata, Some(999))
    );
    assert_eq!(job.status, JobState::Pending);
    assert_eq!((job.attempt, job.retry_count, job.crash_count), (0, 0, 0));
    assert_eq!((job.created_at, job.scheduled_at), (T0 + 900, T0 + 900));
    assert_eq!(
        (job.error, job.lease_owner, job.completed_at),
        (None, None, None)
    );
    assert_eq!(
        get(store, &original.id).status,
        JobState::Dead,
        "the original stays dead"
    );
    assert!(store.dead_list(10, 0).expect("dead_list").is_empty());
    assert_eq!(
        store
            .job_claim(&super::fixtures::claim_request("w", &["dq"], 5, T0 + 900))
            .expect("claim")
            .len(),
        1
    );

    assert!(
        matches!(store.dead_retry(&letter, T0 + 901), Err(Error::NotFound(_))),
        "already retried"
    );
    assert!(matches!(
        store.dead_retry("no-such-letter", T0),
        Err(Error::NotFound(_))
    ));
}

/// Newest failure first; limit and offset page through.
pub fn dead_list_is_newest_first_and_paged(store: &dyn Store) {
    let first = kill(store, new_job("q", "t"), T0 + 1);
    let third = kill(store, new_job("q", "t"), T0 + 3);
    let second = kill(store, new_job("q", "t"), T0 + 2);
    let (first, second, third) = (first.as_str(), second.as_str(), third.as_str());
    let page = |limit, offset| -> Vec<String> {
        store
            .dead_list(limit, offset)
            .expect("dead_list")
            .into_iter()
            .map(|l| l.id)
            .collect()
    };
    assert_eq!(page(10, 0), [third, second, first]);
    assert_eq!(page(1, 1), [second]);
    assert_eq!(page(2, 1), [second, first]);
    assert!(page(10, 3).is_empty());
}

/// Purging dead letters removes those that failed strictly before `before`.
pub fn dead_purge_removes_older_entries(store: &dyn Store) {
    let old = kill(store, new_job("q", "t"), T0 + 100);
    let young = kill(store, new_job("q", "t"), T0 + 200);
    assert_eq!(purge(store, PurgeTarget::DeadLetters, T0 + 100), 0);
    assert_eq!(purge(store, PurgeTarget::DeadLetters, T0 + 150), 1);
    let left: Vec<String> = store
        .dead_list(10, 0)
        .expect("dead_list")
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(left, vec![young]);
    assert!(!left.contains(&old));
    assert_eq!(purge(store, PurgeTarget::DeadLetters, T0 + 1_000), 1);
    assert!(store.dead_list(10, 0).expect("dead_list").is_empty());
}

/// Deleting one dead letter removes that entry only, once.
pub fn dead_delete_removes_one_entry(store: &dyn Store) {
    kill(store, new_job("q", "t"), T0 + 100);
    kill(store, new_job("q", "t"), T0 + 200);
    let entries = store.dead_list(10, 0).expect("dead_list");
    assert!(store.dead_delete(&entries[0].id).expect("dead_delete"));
    assert!(!store.dead_delete(&entries[0].id).expect("dead_delete"));
    assert!(!store.dead_delete("no-such-entry").expect("dead_delete"));
    let left: Vec<String> = store
        .dead_list(10, 0)
        .expect("dead_list")
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(left, vec![entries[1].id.clone()]);
}

/// Purging completed jobs removes only `complete` jobs finished strictly
/// before `before`.
pub fn purge_completed_removes_old_completed_jobs_only(store: &dyn Store) {
    let old = running(store, "q", "w", T0);
    let retry = Outcome::Retry {
        job_id: old.id.clone(),
        attempt: 1,
        error: "once".into(),
        run_at: T0,
    };
    assert_eq!(finish(store, &[retry], T0 + 10), (1, 0));
    let old = claim(store, "w", &["q"], 1, T0 + 20).remove(0);
    assert_eq!(finish(store, &[complete(&old)], T0 + 100), (1, 0));
    let young = running(store, "q", "w", T0);
    assert_eq!(finish(store, &[complete(&young)], T0 + 300), (1, 0));
    let dead_job = running(store, "q", "w", T0);
    assert_eq!(finish(store, &[dead(&dead_job, "x")], T0 + 100), (1, 0));
    let cancelled = insert_one(store, new_job("q", "t"));
    assert!(store.job_cancel(&cancelled, T0 + 100).expect("job_cancel"));
    let pending = insert_one(
        store,
        NewJob {
            scheduled_at: T0 + 10_000,
            ..new_job("q", "t")
        },
    );

    assert_eq!(purge(store, PurgeTarget::Completed, T0 + 100), 0);
    assert_eq!(purge(store, PurgeTarget::Completed, T0 + 200), 1);
    assert_eq!(store.job_get(&old.id).expect("job_get"), None);
    assert!(store.job_errors(&old.id).expect("job_errors").is_empty());
    for id in [&young.id, &dead_job.id, &cancelled, &pending] {
        assert!(
            store.job_get(id).expect("job_get").is_some(),
            "{id} must stay"
        );
    }
}

/// Purging expired results removes exactly the `complete` jobs whose
/// `result_ttl_ms` has run out (`completed_at + result_ttl_ms <= now`), with
/// their recorded errors; jobs without a TTL and jobs in other states stay,
/// whatever their TTL.
pub fn purge_expired_results_follows_each_ttl(store: &dyn Store) {
    let with_ttl = |queue: &str, ttl: Option<i64>| NewJob {
        result_ttl_ms: ttl,
        ..new_job(queue, "t")
    };
    let complete_at = |queue: &str, ttl: Option<i64>, at: i64| {
        insert_one(store, with_ttl(queue, ttl));
        let job = claim(store, "w", &[queue], 1, T0).remove(0);
        assert_eq!(finish(store, &[complete(&job)], at), (1, 0));
        job.id
    };
    // Failed once before it completed: its job_errors row must go with it.
    let short = insert_one(store, with_ttl("short", Some(1_000)));
    let first = claim(store, "w", &["short"], 1, T0).remove(0);
    let retry = Outcome::Retry {
        job_id: short.clone(),
        attempt: first.attempt,
        error: "once".into(),
        run_at: T0,
    };
    assert_eq!(finish(store, &[retry], T0 + 1), (1, 0));
    let again = claim(store, "w", &["short"], 1, T0 + 2).remove(0);
    assert_eq!(finish(store, &[complete(&again)], T0 + 100), (1, 0));

    let long = complete_at("long", Some(5_000), T0 + 100);
    let zero = complete_at("zero", Some(0), T0 + 100);
    let forever = complete_at("forever", None, T0 + 100);
    let pending = insert_one(store, with_ttl("idle", Some(0)));
    let running = insert_one(store, with_ttl("run", Some(0)));
    claim(store, "w", &["run"], 1, T0);
    let dead_one = insert_one(store, with_ttl("dead", Some(0)));
    let victim = claim(store, "w", &["dead"], 1, T0).remove(0);
    assert_eq!(finish(store, &[dead(&victim, "x")], T0 + 1), (1, 0));
    let cancelled = insert_one(store, with_ttl("idle2", Some(0)));
    assert!(store.job_cancel(&cancelled, T0 + 1).expect("job_cancel"));

    let expire = |now| purge(store, PurgeTarget::ExpiredResults, now);
    let exists = |id: &str| store.job_get(id).expect("job_get").is_some();
    assert_eq!(expire(T0 + 99), 0, "nothing has finished by then");
    assert_eq!(expire(T0 + 100), 1, "a TTL of 0 expires at completion");
    assert!(!exists(&zero));
    assert_eq!(expire(T0 + 1_099), 0);
    assert!(exists(&short));
    assert_eq!(
        expire(T0 + 1_100),
        1,
        "expires at exactly completed_at + TTL"
    );
    assert!(!exists(&short));
    assert!(store.job_errors(&short).expect("job_errors").is_empty());
    assert!(exists(&long));
    assert_eq!(expire(T0 + 5_100), 1);
    assert!(!exists(&long));
    assert_eq!(expire(i64::MAX / 2), 0);
    for id in [&forever, &pending, &running, &dead_one, &cancelled] {
        assert!(exists(id), "{id} must stay");
    }
    assert_eq!(store.job_errors(&dead_one).expect("job_errors").len(), 1);
}

/// Each [`PurgeTarget`] deletes its own kind of old row and leaves the others:
/// an old metric rollup, log line, dead letter, job with an expired result TTL
/// and completed job go one target at a time.
pub fn each_purge_target_takes_only_its_rows(store: &dyn Store) {
    let (old, cutoff) = (T0 + 10, T0 + 1_000);
    let kept = running(store, "kept", "w", T0);
    assert_eq!(finish(store, &[complete(&kept)], old), (1, 0));
    let ttl = NewJob {
        result_ttl_ms: Some(1),
        ..new_job("ttl", "t")
    };
    let expiring = insert_one(store, ttl);
    let job = claim(store, "w", &["ttl"], 1, T0).remove(0);
    assert_eq!(finish(store, &[complete(&job)], old), (1, 0));
    kill(store, new_job("dead", "t"), old);
    let waiting = insert_one(store, new_job("idle", "t"));
    let line = NewLogEntry {
        job_id: waiting.clone(),
        task_name: "t".into(),
        level: "info".into(),
        message: "old".into(),
        extra: None,
        logged_at: old,
    };
    store.log_insert(&line).expect("log_insert");
    let mut tally = MetricTally::default();
    tally.record(1_000, true);
    let rollup = MetricRollup {
        worker_id: "w".into(),
        task_name: "t".into(),
        bucket_start: metric_bucket(old),
        last_at: old,
        tally,
    };
    store
        .metric_upsert_many(&[rollup])
        .expect("metric_upsert_many");

    let left = || {
        (
            store.metric_list(T0, None).expect("metric_list").len(),
            store.log_list_job(&waiting).expect("log_list_job").len(),
            store.dead_list(0, 0).expect("dead_list").len(),
            store.job_get(&expiring).expect("job_get").is_some(),
            store.job_get(&kept.id).expect("job_get").is_some(),
        )
    };
    assert_eq!(left(), (1, 1, 1, true, true));
    assert_eq!(purge(store, PurgeTarget::Metrics, cutoff), 1);
    assert_eq!(left(), (0, 1, 1, true, true));
    assert_eq!(purge(store, PurgeTarget::Logs, cutoff), 1);
    assert_eq!(left(), (0, 0, 1, true, true));
    assert_eq!(purge(store, PurgeTarget::DeadLetters, cutoff), 1);
    assert_eq!(left(), (0, 0, 0, true, true));
    assert_eq!(purge(store, PurgeTarget::ExpiredResults, cutoff), 1);
    assert_eq!(left(), (0, 0, 0, false, true), "only the job with a TTL");
    assert_eq!(purge(store, PurgeTarget::Completed, cutoff), 1);
    assert_eq!(left(), (0, 0, 0, false, false));
    assert!(store.job_get(&waiting).expect("job_get").is_some());
}
