//! Crashes: rescue of a dead worker's jobs, and quarantine of jobs that keep
//! killing their worker.

use super::fixtures::{
    claim, complete, finish, get, insert_one, new_job, quarantine_error, release, rescue_report,
    running, LEASE_MS, T0,
};
use crate::{JobState, NewJob, Outcome, RescueReport, RescueScope, Store};

const MAX_CRASHES: i32 = 3;

fn rescue_expired(store: &dyn Store, now: i64, max_crashes: i32) -> RescueReport {
    store
        .job_rescue(RescueScope::Expired, now, max_crashes)
        .expect("job_rescue")
}

fn rescue_owner(store: &dyn Store, worker: &str, now: i64) -> RescueReport {
    store
        .job_rescue(RescueScope::Owner(worker), now, MAX_CRASHES)
        .expect("job_rescue")
}

/// Asserts that job `id` was quarantined at `now` after `crashes` crashes in
/// attempt `attempt`: dead with the exact error, the attempt recorded last in
/// its errors, one dead letter with that error, never claimed again.
fn assert_quarantined(store: &dyn Store, id: &str, crashes: i32, attempt: i32, now: i64) {
    let error = quarantine_error(crashes);
    let job = get(store, id);
    assert_eq!(
        (job.status, job.crash_count, job.attempt),
        (JobState::Dead, crashes, attempt)
    );
    assert_eq!(
        (job.error.as_deref(), job.completed_at),
        (Some(error.as_str()), Some(now))
    );
    assert_eq!((job.lease_owner, job.lease_expires_at), (None, None));
    let errors = store.job_errors(id).expect("job_errors");
    let last = errors
        .last()
        .expect("the quarantine is recorded in job_errors");
    assert_eq!(
        (last.attempt, last.error.as_str(), last.failed_at),
        (attempt, error.as_str(), now)
    );
    let letters: Vec<_> = store
        .dead_list(100, 0)
        .expect("dead_list")
        .into_iter()
        .filter(|l| l.original_job_id == id)
        .collect();
    assert_eq!(letters.len(), 1, "one dead letter for {id}");
    assert_eq!(
        (letters[0].error.as_deref(), letters[0].failed_at),
        (Some(error.as_str()), now)
    );
    assert_eq!(
        (letters[0].queue.as_str(), letters[0].retry_count),
        (job.queue.as_str(), job.retry_count)
    );
    assert!(
        claim(store, "w", &[&job.queue], 10, now + 10 * LEASE_MS).is_empty(),
        "a quarantined job is never claimed again"
    );
}

/// Rescues 1..N-1 put the job back with one more crash each and no retry
/// spent; rescue N (N = `max_crashes`) quarantines it like a `Dead` outcome.
pub fn rescue_quarantines_a_job_after_max_crashes(store: &dyn Store) {
    let new = NewJob {
        metadata: Some(r#"{"m":1}"#.into()),
        ..new_job("poison", "t")
    };
    let id = insert_one(store, new);
    // One real failure first, so that "no retry spent" means 1 stays 1.
    let first = claim(store, "w0", &["poison"], 1, T0).remove(0);
    let retry = Outcome::Retry {
        job_id: id.clone(),
        attempt: first.attempt,
        error: "e1".into(),
        run_at: T0,
    };
    assert_eq!(finish(store, &[retry], T0), (1, 0));

    let mut now = T0;
    for crash in 1..MAX_CRASHES {
        now += 1;
        let job = claim(store, &format!("w{crash}"), &["poison"], 1, now).remove(0);
        now += LEASE_MS + 1;
        assert_eq!(
            rescue_expired(store, now, MAX_CRASHES),
            rescue_report(1, 0),
            "crash {crash} of {MAX_CRASHES} is rescued"
        );
        let back = get(store, &id);
        assert_eq!(
            (back.status, back.crash_count, back.retry_count),
            (JobState::Pending, crash, 1)
        );
        assert_eq!(back.attempt, job.attempt, "the attempt counter stays");
        assert_eq!(
            (back.lease_owner, back.lease_expires_at, back.completed_at),
            (None, None, None)
        );
        assert_eq!(store.job_errors(&id).expect("job_errors").len(), 1);
        assert!(store.dead_list(100, 0).expect("dead_list").is_empty());
    }

    now += 1;
    let last = claim(store, "w-last", &["poison"], 1, now).remove(0);
    assert_eq!(last.attempt, MAX_CRASHES + 1);
    let died_at = now + LEASE_MS + 1;
    assert_eq!(
        rescue_expired(store, died_at, MAX_CRASHES),
        rescue_report(0, 1)
    );
    assert_quarantined(store, &id, MAX_CRASHES, MAX_CRASHES + 1, died_at);
    let job = get(store, &id);
    assert_eq!(job.retry_count, 1, "a quarantine spends no retry");
    assert_eq!(store.job_errors(&id).expect("job_errors").len(), 2);
    let letter = store.dead_list(100, 0).expect("dead_list").remove(0);
    assert_eq!(
        (letter.task_name.as_str(), letter.metadata.as_deref()),
        ("t", Some(r#"{"m":1}"#))
    );

    assert_eq!(
        rescue_expired(store, died_at + 10 * LEASE_MS, MAX_CRASHES),
        rescue_report(0, 0)
    );
    assert_eq!(
        finish(store, &[complete(&last)], died_at + 1),
        (0, 1),
        "the interrupted attempt is fenced"
    );
    assert_eq!(get(store, &id), job);
}

/// The limit is the caller's and the error names the job's own crash count;
/// one rescue counts rescued and quarantined jobs apart; a job already past
/// the limit (it was lowered) is quarantined at its next crash.
pub fn rescue_reports_rescued_and_quarantined_apart(store: &dyn Store) {
    let fresh = running(store, "a", "w", T0);
    let veteran = running(store, "b", "w-old", T0);
    assert_eq!(
        rescue_owner(store, "w-old", T0 + 1),
        rescue_report(1, 0),
        "the veteran's first crash"
    );
    assert_eq!(claim(store, "w", &["b"], 1, T0 + 2)[0].attempt, 2);

    let now = T0 + 2 + LEASE_MS + 1;
    assert_eq!(rescue_expired(store, now, 2), rescue_report(1, 1));
    let back = get(store, &fresh.id);
    assert_eq!((back.status, back.crash_count), (JobState::Pending, 1));
    assert_quarantined(store, &veteran.id, 2, 2, now);

    let again = claim(store, "w", &["a"], 1, now).remove(0);
    let later = now + LEASE_MS + 1;
    assert_eq!(rescue_expired(store, later, 1), rescue_report(0, 1));
    assert_quarantined(store, &fresh.id, 2, again.attempt, later);

    let first = running(store, "c", "w", later);
    let end = later + LEASE_MS + 1;
    assert_eq!(
        rescue_expired(store, end, 1),
        rescue_report(0, 1),
        "a limit of 1 quarantines at the first crash"
    );
    assert_quarantined(store, &first.id, 1, 1, end);
}

/// Rescuing a dead worker takes back every job it runs, whatever the lease,
/// and nothing else: not another worker's jobs, not jobs it released or
/// finished. Its interrupted attempts are fenced, and it quarantines too.
pub fn rescue_owner_touches_only_that_workers_running_jobs(store: &dyn Store) {
    let a = running(store, "a", "gone", T0);
    let b = running(store, "b", "gone", T0);
    let other = running(store, "c", "alive", T0);
    let released = running(store, "d", "gone", T0);
    let done = running(store, "e", "gone", T0);
    assert_eq!(
        finish(store, &[release(&released), complete(&done)], T0 + 1),
        (2, 0)
    );

    let now = T0 + 10;
    assert_eq!(rescue_owner(store, "gone", now), rescue_report(2, 0));
    for job in [&a, &b] {
        let back = get(store, &job.id);
        assert_eq!(
            (back.status, back.crash_count, back.retry_count),
            (JobState::Pending, 1, 0)
        );
        assert_eq!((back.lease_owner, back.lease_expires_at), (None, None));
        assert!(store.job_errors(&job.id).expect("job_errors").is_empty());
    }
    assert_eq!(get(store, &other.id), other, "another worker's job");
    let back = get(store, &released.id);
    assert_eq!((back.status, back.crash_count), (JobState::Pending, 0));
    let back = get(store, &done.id);
    assert_eq!((back.status, back.crash_count), (JobState::Complete, 0));

    assert_eq!(rescue_owner(store, "gone", now), rescue_report(0, 0));
    assert_eq!(rescue_owner(store, "nobody", now), rescue_report(0, 0));
    assert_eq!(finish(store, &[complete(&a)], now + 1), (0, 1));

    let mut attempt = a.attempt;
    for crash in 2..=MAX_CRASHES {
        let again = claim(store, "gone", &["a"], 1, now + 2).remove(0);
        attempt = again.attempt;
        let expected = if crash < MAX_CRASHES {
            rescue_report(1, 0)
        } else {
            rescue_report(0, 1)
        };
        assert_eq!(rescue_owner(store, "gone", now + 3), expected);
    }
    assert_quarantined(store, &a.id, MAX_CRASHES, attempt, now + 3);
    assert_eq!(get(store, &other.id), other);
    assert_eq!(get(store, &b.id).status, JobState::Pending);
}
