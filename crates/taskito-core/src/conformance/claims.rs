//! Which jobs a claim hands out, in what order, and what it records.

use super::fixtures::{
    claim, finish, get, ids, insert, insert_one, new_job, release, LEASE_MS, T0,
};
use crate::{JobState, NewJob, Store};

/// Highest priority first, then earliest `scheduled_at`, then smallest id, both
/// within one claim and across claims of one job each.
pub fn claim_orders_by_priority_then_schedule_then_id(store: &dyn Store) {
    for (queue, limit) in [("batch", 10), ("one-by-one", 1)] {
        let job = |id: &str, priority: i32, scheduled: i64| NewJob {
            id: format!("{queue}-{id}"),
            priority,
            scheduled_at: scheduled,
            ..new_job(queue, "t")
        };
        // Inserted out of order, and ids sort differently from the claim order
        // except where they are the tie-break (p before q).
        let jobs = [
            job("z", 0, T0),
            job("m", 5, T0 + 2),
            job("q", 5, T0 + 1),
            job("p", 5, T0 + 1),
            job("a", -3, T0 - 100),
            job("b", 1, T0 + 3),
        ];
        insert(store, &jobs);
        let mut order = Vec::new();
        loop {
            let got = claim(store, "w", &[queue], limit, T0 + 10);
            if got.is_empty() {
                break;
            }
            order.extend(ids(&got));
        }
        let expected: Vec<String> = ["p", "q", "m", "b", "z", "a"]
            .iter()
            .map(|s| format!("{queue}-{s}"))
            .collect();
        assert_eq!(order, expected, "claim order with limit {limit}");
    }
}

/// A claim returns at most `limit` jobs, and nothing for a limit of 0.
pub fn claim_takes_at_most_limit(store: &dyn Store) {
    insert(
        store,
        &(0..5).map(|_| new_job("q", "t")).collect::<Vec<_>>(),
    );
    assert!(claim(store, "w", &["q"], 0, T0).is_empty());
    let sizes: Vec<usize> = (0..4)
        .map(|_| claim(store, "w", &["q"], 2, T0).len())
        .collect();
    assert_eq!(sizes, vec![2, 2, 1, 0]);
}

/// A job is not claimed before its `scheduled_at`, and is claimed from that
/// very millisecond; a delayed job of high priority does not hold back a
/// ready one of lower priority.
pub fn claim_skips_jobs_not_yet_due(store: &dyn Store) {
    let later = insert_one(
        store,
        NewJob {
            scheduled_at: T0 + 1_000,
            ..new_job("q", "t")
        },
    );
    assert!(claim(store, "w", &["q"], 10, T0 + 999).is_empty());
    assert_eq!(ids(&claim(store, "w", &["q"], 10, T0 + 1_000)), vec![later]);

    let urgent_later = NewJob {
        priority: 9,
        scheduled_at: T0 + 5_000,
        ..new_job("p", "t")
    };
    let ready = NewJob {
        priority: 0,
        scheduled_at: T0,
        ..new_job("p", "t")
    };
    insert(store, &[urgent_later.clone(), ready.clone()]);
    assert_eq!(ids(&claim(store, "w", &["p"], 1, T0 + 1)), vec![ready.id]);
    assert!(claim(store, "w", &["p"], 1, T0 + 4_999).is_empty());
    assert_eq!(
        ids(&claim(store, "w", &["p"], 1, T0 + 5_000)),
        vec![urgent_later.id]
    );
}

/// Only jobs of the requested queues are claimed.
pub fn claim_filters_by_queue(store: &dyn Store) {
    let a = insert(store, &[new_job("a", "t"), new_job("a", "t")]);
    let b = insert_one(store, new_job("b", "t"));
    let c = insert_one(store, new_job("c", "t"));
    assert!(claim(store, "w", &[], 10, T0).is_empty());
    assert!(claim(store, "w", &["missing"], 10, T0).is_empty());
    let mut got = ids(&claim(store, "w", &["c", "a"], 10, T0));
    got.sort();
    let mut expected = vec![a[0].clone(), a[1].clone(), c];
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(get(store, &b).status, JobState::Pending);
    assert_eq!(ids(&claim(store, "w", &["b"], 10, T0)), vec![b]);
}

/// A claim makes the job `running`, bumps `attempt`, stamps `started_at` and
/// leases it to the worker until `now + lease_ms`; the returned job is the
/// stored one.
pub fn claim_starts_an_attempt_under_a_lease(store: &dyn Store) {
    let id = insert_one(store, new_job("q", "t"));
    let claimed = claim(store, "worker-1", &["q"], 1, T0 + 5);
    assert_eq!(claimed.len(), 1);
    let job = &claimed[0];
    assert_eq!(
        (job.id.as_str(), job.status, job.attempt),
        (id.as_str(), JobState::Running, 1)
    );
    assert_eq!(job.lease_owner.as_deref(), Some("worker-1"));
    assert_eq!(job.lease_expires_at, Some(T0 + 5 + LEASE_MS));
    assert_eq!(job.started_at, Some(T0 + 5));
    assert_eq!((job.retry_count, job.crash_count), (0, 0));
    assert_eq!(&get(store, &id), job, "claim returns the stored row");

    assert_eq!(finish(store, &[release(job)], T0 + 6), (1, 0));
    let again = claim(store, "worker-2", &["q"], 1, T0 + 7);
    assert_eq!(
        (again[0].attempt, again[0].lease_owner.as_deref()),
        (2, Some("worker-2"))
    );
    assert_eq!(again[0].started_at, Some(T0 + 7));
}

/// Successive claims hand out every job exactly once.
pub fn claim_never_returns_a_job_twice(store: &dyn Store) {
    let mut expected = insert(
        store,
        &(0..10).map(|_| new_job("q", "t")).collect::<Vec<_>>(),
    );
    let mut seen = Vec::new();
    loop {
        let got = claim(store, "w", &["q"], 3, T0);
        if got.is_empty() {
            break;
        }
        seen.extend(ids(&got));
    }
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
}
