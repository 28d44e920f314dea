//! What a running job is told or tells: cancel requests and progress.

use super::fixtures::{claim, complete, finish, get, insert_one, new_job, release, running, T0};
use crate::{JobState, Store};

fn request_cancel(store: &dyn Store, id: &str) -> bool {
    store.job_request_cancel(id).expect("job_request_cancel")
}

fn set_progress(store: &dyn Store, id: &str, attempt: Option<i32>, progress: i32) -> bool {
    store
        .job_set_progress(id, attempt, progress)
        .expect("job_set_progress")
}

/// Only a running job can be asked to stop; the request shows as
/// `cancel_requested` on that job alone, which keeps running until its task
/// ends the attempt.
pub fn cancel_request_applies_only_to_running_jobs(store: &dyn Store) {
    let pending = insert_one(store, new_job("idle", "t"));
    assert!(!request_cancel(store, &pending), "pending");
    assert!(!get(store, &pending).cancel_requested);

    let job = running(store, "q", "w", T0);
    let neighbour = running(store, "q", "w", T0);
    assert!(!job.cancel_requested);
    assert!(request_cancel(store, &job.id));
    let asked = get(store, &job.id);
    assert!(asked.cancel_requested);
    assert_eq!(
        (asked.status, asked.attempt, asked.lease_owner.as_deref()),
        (JobState::Running, job.attempt, Some("w")),
        "a request does not stop the job by itself"
    );
    assert_eq!(
        get(store, &neighbour.id),
        neighbour,
        "only that job is asked"
    );

    assert_eq!(finish(store, &[complete(&neighbour)], T0 + 1), (1, 0));
    assert!(!request_cancel(store, &neighbour.id), "complete");
    assert!(!get(store, &neighbour.id).cancel_requested);
    assert!(store.job_cancel(&pending, T0 + 2).expect("job_cancel"));
    assert!(!request_cancel(store, &pending), "cancelled");
    assert!(!request_cancel(store, "no-such-job"), "unknown");
    assert_eq!(store.job_get("no-such-job").expect("job_get"), None);
}

/// With an attempt, progress is written only while that attempt runs the job;
/// without one, on any existing job.
pub fn progress_is_fenced_by_attempt(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    assert!(set_progress(store, &job.id, Some(job.attempt), 10));
    assert_eq!(get(store, &job.id).progress, Some(10));
    assert!(
        !set_progress(store, &job.id, Some(job.attempt + 1), 20),
        "an attempt that has not started"
    );
    assert_eq!(get(store, &job.id).progress, Some(10));

    assert_eq!(finish(store, &[release(&job)], T0 + 1), (1, 0));
    assert!(
        !set_progress(store, &job.id, Some(job.attempt), 30),
        "the attempt was released"
    );
    assert_eq!(get(store, &job.id).progress, Some(10));
    let current = claim(store, "w2", &["q"], 1, T0 + 2).remove(0);
    assert!(
        !set_progress(store, &job.id, Some(job.attempt), 40),
        "a stale attempt"
    );
    assert_eq!(get(store, &job.id).progress, Some(10));
    assert!(set_progress(store, &job.id, Some(current.attempt), 50));
    assert_eq!(get(store, &job.id).progress, Some(50));
    assert!(set_progress(store, &job.id, None, 60), "None: running");
    assert_eq!(get(store, &job.id).progress, Some(60));

    assert_eq!(finish(store, &[complete(&current)], T0 + 3), (1, 0));
    assert!(
        !set_progress(store, &job.id, Some(current.attempt), 70),
        "a finished attempt"
    );
    assert_eq!(get(store, &job.id).progress, Some(60));
    assert!(set_progress(store, &job.id, None, 100), "None: complete");
    let done = get(store, &job.id);
    assert_eq!(
        (done.status, done.progress),
        (JobState::Complete, Some(100))
    );

    let pending = insert_one(store, new_job("idle", "t"));
    assert!(
        !set_progress(store, &pending, Some(0), 1),
        "pending, fenced"
    );
    assert_eq!(get(store, &pending).progress, None);
    assert!(set_progress(store, &pending, None, 5), "None: pending");
    assert_eq!(get(store, &pending).progress, Some(5));
    assert!(!set_progress(store, "no-such-job", None, 1));
    assert!(!set_progress(store, "no-such-job", Some(1), 1));
}
