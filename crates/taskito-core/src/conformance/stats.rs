//! Counting jobs per state: `job_stats` against the jobs themselves, through every
//! kind of move.

use super::fixtures::{
    claim, claim_request, complete, dead, finish, ids, insert, insert_one, new_job, release,
    LEASE_MS, T0,
};
use crate::InsertJobs;
use crate::{
    DepRef, GraphJob, JobFilter, JobState, NewJob, Outcome, PurgeTarget, RescueScope, Stats, Store,
};

/// One count per state, over all queues.
pub fn stats_count_jobs_per_state(store: &dyn Store) {
    assert_eq!(store.job_stats().expect("job_stats"), Stats::default());
    insert(
        store,
        &(0..4).map(|_| new_job("work", "t")).collect::<Vec<_>>(),
    );
    let idle = insert(
        store,
        &(0..4).map(|_| new_job("idle", "t")).collect::<Vec<_>>(),
    );
    let running = claim(store, "w", &["work"], 4, T0);
    assert_eq!(
        finish(
            store,
            &[complete(&running[0]), dead(&running[1], "x")],
            T0 + 1
        ),
        (2, 0)
    );
    assert!(store.job_cancel(&idle[0], T0 + 1).expect("job_cancel"));
    let expected = Stats {
        pending: 3,
        running: 2,
        complete: 1,
        failed: 0,
        dead: 1,
        cancelled: 1,
    };
    assert_eq!(store.job_stats().expect("job_stats"), expected);
}

/// The counts `job_stats` gives, by listing every job of each state.
pub(crate) fn listed_stats(store: &dyn Store) -> Stats {
    let mut stats = Stats::default();
    for state in [
        JobState::Pending,
        JobState::Running,
        JobState::Complete,
        JobState::Failed,
        JobState::Dead,
        JobState::Cancelled,
    ] {
        let filter = JobFilter {
            status: Some(state),
            limit: 10_000,
            ..JobFilter::default()
        };
        let n = store.job_list(&filter, None).expect("job_list").len();
        stats.add(state, u64::try_from(n).expect("count"));
    }
    stats
}

/// `job_stats` (kept by the backend rather than counted per call) agrees with
/// the jobs themselves after every kind of move between states: batch and
/// single inserts, claims, each outcome, rescue, cancel, replay, dead-letter
/// retry and both purges, with and without compaction in between (delays,
/// periodic ticks and the other cascades: `counts::stats_stay_exact_through_
/// delays_ticks_and_cascades`).
pub fn stats_stay_exact_through_every_transition(store: &dyn Store) {
    let check = |what: &str| {
        assert_eq!(
            store.job_stats().expect("job_stats"),
            listed_stats(store),
            "after {what}"
        );
    };
    insert(
        store,
        &(0..30).map(|_| new_job("q", "t")).collect::<Vec<_>>(),
    );
    insert_one(store, new_job("q", "t"));
    check("inserts");
    // Inserts skipped for a live unique key count nothing; a graph counts each job.
    let keyed = || NewJob {
        unique_key: Some("u".to_owned()),
        ..new_job("u", "t")
    };
    insert(store, &[keyed(), keyed()]);
    insert_one(store, keyed());
    check("inserts deduplicated by unique key");
    let graph = [
        GraphJob {
            job: new_job("g", "t"),
            depends_on: vec![],
        },
        GraphJob {
            job: new_job("g", "t"),
            depends_on: vec![DepRef::Batch(0)],
        },
    ];
    assert_eq!(store.job_insert(&graph).expect("job_insert").len(), 2);
    check("a graph insert");
    let batch = claim(store, "w", &["q"], 12, T0);
    check("a claim");
    let retry = Outcome::Retry {
        job_id: batch[2].id.clone(),
        attempt: batch[2].attempt,
        error: "again".to_owned(),
        run_at: T0,
    };
    let cancelled = Outcome::Cancelled {
        job_id: batch[3].id.clone(),
        attempt: batch[3].attempt,
        error: "asked".to_owned(),
    };
    let outcomes = [
        complete(&batch[0]),
        dead(&batch[1], "boom"),
        retry,
        cancelled,
        release(&batch[4]),
        complete(&batch[5]),
    ];
    assert_eq!(finish(store, &outcomes, T0 + 1), (6, 0));
    // A second finish of the same attempts is fenced and moves nothing.
    assert_eq!(finish(store, &outcomes, T0 + 2), (0, 6));
    check("outcomes");
    store.compact_counts().expect("compact_counts");
    check("a compaction");
    let rescued = store
        .job_rescue(RescueScope::Expired, T0 + LEASE_MS + 1, 3)
        .expect("job_rescue");
    assert_eq!(rescued.rescued, 6);
    check("a rescue");
    let pending = claim(store, "w", &["q"], 1, T0 + LEASE_MS + 2);
    assert!(store
        .job_cancel(&insert_one(store, new_job("q", "t")), T0 + 3)
        .expect("job_cancel"));
    check("a cancel");
    store.job_replay(&batch[0].id, T0 + 4).expect("job_replay");
    let dead_letter = store.dead_list(1, 0).expect("dead_list");
    store
        .dead_retry(&dead_letter[0].id, T0 + 5)
        .expect("dead_retry");
    check("a replay and a dead-letter retry");
    assert_eq!(finish(store, &[complete(&pending[0])], T0 + 6), (1, 0));
    assert!(store.purge(PurgeTarget::Completed, T0 + 7).expect("purge") >= 2);
    check("a purge");
    store.compact_counts().expect("compact_counts");
    check("a compaction after the purge");

    // The rarer paths: expiry and the cancel cascade to dependents, quarantine,
    // a dead worker's jobs, result TTLs.
    let now = T0 + 10 * LEASE_MS;
    let doomed = insert_one(
        store,
        NewJob {
            expires_at: Some(now - 1),
            ..new_job("x", "t")
        },
    );
    let child = store
        .job_insert_dependent(&new_job("x", "t"), std::slice::from_ref(&doomed))
        .expect("job_insert_dependent");
    store
        .job_insert_dependent(&new_job("x", "t"), &[child])
        .expect("job_insert_dependent");
    check("dependent inserts");
    assert!(claim(store, "w", &["x"], 5, now).is_empty());
    check("an expiry cascading to two dependents");
    let mut moved: Vec<JobState> = store
        .job_list(
            &JobFilter {
                queue: Some("x".to_owned()),
                limit: 10,
                ..JobFilter::default()
            },
            None,
        )
        .expect("job_list")
        .into_iter()
        .map(|j| j.status)
        .collect();
    moved.sort_by_key(|s| s.as_str());
    assert_eq!(
        moved,
        [JobState::Cancelled, JobState::Cancelled, JobState::Failed]
    );
    store
        .job_claim(&claim_request("w", &["q"], 100, now))
        .expect("job_claim");
    let quarantined = store
        .job_rescue(RescueScope::Expired, now + LEASE_MS + 1, 1)
        .expect("job_rescue");
    assert!(quarantined.quarantined > 0);
    assert_eq!(
        quarantined.rescued, 0,
        "max_crashes 1 quarantines every crashed job"
    );
    check("a quarantine");
    let ttl = insert_one(
        store,
        NewJob {
            result_ttl_ms: Some(1),
            ..new_job("y", "t")
        },
    );
    let owned = claim(store, "gone", &["y"], 1, now);
    assert_eq!(ids(&owned), [ttl]);
    store
        .job_rescue(RescueScope::Owner("gone"), now, 3)
        .expect("job_rescue");
    check("a dead worker's rescue");
    let again = claim(store, "w", &["y"], 1, now);
    assert_eq!(finish(store, &[complete(&again[0])], now), (1, 0));
    assert_eq!(
        store
            .purge(PurgeTarget::ExpiredResults, now + 10)
            .expect("purge"),
        1
    );
    check("a result-TTL purge");
    store.compact_counts().expect("compact_counts");
    check("the last compaction");
}
