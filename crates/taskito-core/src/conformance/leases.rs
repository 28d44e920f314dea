//! Leases: rescue after they expire, extension by heartbeats.

use super::fixtures::{
    claim_request, complete, finish, get, insert, new_job, release, rescue_report, worker, T0,
};
use crate::{Job, JobState, RescueReport, RescueScope, Store};

/// The crash limit the lease checks rescue with: high enough that no job of
/// theirs is quarantined.
const MAX_CRASHES: i32 = 3;

fn rescue(store: &dyn Store, now: i64) -> RescueReport {
    store
        .job_rescue(RescueScope::Expired, now, MAX_CRASHES)
        .expect("job_rescue")
}

fn just_rescued(n: u64) -> RescueReport {
    rescue_report(n, 0)
}

fn claim_with_lease(store: &dyn Store, queue: &str, worker: &str, lease_ms: i64) -> Job {
    insert(store, &[new_job(queue, "t")]);
    let req = crate::ClaimRequest {
        lease_ms,
        ..claim_request(worker, &[queue], 1, T0)
    };
    store.job_claim(&req).expect("job_claim").remove(0)
}

/// A running job whose lease ended before `now` goes back to pending with one
/// more crash and no retry spent; live leases and a lease ending exactly at
/// `now` are left alone; the old attempt is fenced off afterwards.
pub fn rescue_returns_expired_leases_to_pending(store: &dyn Store) {
    let short = claim_with_lease(store, "a", "w1", 1_000);
    let long = claim_with_lease(store, "b", "w2", 5_000);
    assert_eq!(rescue(store, T0 + 1_000), just_rescued(0));
    assert_eq!(rescue(store, T0 + 1_001), just_rescued(1));

    let rescued = get(store, &short.id);
    assert_eq!(
        (rescued.status, rescued.crash_count, rescued.retry_count),
        (JobState::Pending, 1, 0)
    );
    assert_eq!(
        (rescued.lease_owner, rescued.lease_expires_at),
        (None, None)
    );
    assert_eq!(rescued.attempt, 1);
    assert!(store.job_errors(&short.id).expect("job_errors").is_empty());
    assert_eq!(get(store, &long.id).status, JobState::Running);
    assert_eq!(
        rescue(store, T0 + 1_002),
        just_rescued(0),
        "nothing left to rescue"
    );

    assert_eq!(
        finish(store, &[complete(&short)], T0 + 1_003),
        (0, 1),
        "the crashed attempt is fenced"
    );
    let again = store
        .job_claim(&claim_request("w3", &["a"], 1, T0 + 1_004))
        .expect("job_claim");
    assert_eq!((again[0].attempt, again[0].crash_count), (2, 1));
}

/// A heartbeat moves the lease end of every job its worker runs, and only
/// those; rescue then spares them.
pub fn heartbeat_extends_the_workers_leases(store: &dyn Store) {
    let mine = claim_with_lease(store, "a", "w1", 1_000);
    let theirs = claim_with_lease(store, "b", "w2", 1_000);
    let released = claim_with_lease(store, "c", "w1", 1_000);
    assert_eq!(finish(store, &[release(&released)], T0 + 1), (1, 0));

    store
        .worker_heartbeat(&worker("w1", T0 + 500), T0 + 10_000)
        .expect("worker_heartbeat");
    assert_eq!(get(store, &mine.id).lease_expires_at, Some(T0 + 10_000));
    assert_eq!(get(store, &theirs.id).lease_expires_at, Some(T0 + 1_000));
    let back = get(store, &released.id);
    assert_eq!(
        (back.status, back.lease_expires_at),
        (JobState::Pending, None),
        "released jobs stay released"
    );

    assert_eq!(rescue(store, T0 + 5_000), just_rescued(1));
    assert_eq!(get(store, &mine.id).status, JobState::Running);
    assert_eq!(get(store, &theirs.id).status, JobState::Pending);
    let workers = store.worker_list().expect("worker_list");
    assert_eq!(workers, vec![worker("w1", T0 + 500)]);
}
