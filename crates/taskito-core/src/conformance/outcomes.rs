//! The effect of each attempt outcome, and fencing of stale attempts.

use super::fixtures::{
    claim, complete, dead, finish, get, insert_one, new_job, release, running, T0,
};
use crate::{JobState, NewJob, Outcome, Store};

/// Complete stores the result and the finish time and drops the lease.
pub fn complete_outcome_stores_the_result(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    let outcome = Outcome::Complete {
        job_id: job.id.clone(),
        attempt: job.attempt,
        result: Some(vec![0, 1, 2, 255]),
    };
    assert_eq!(finish(store, &[outcome], T0 + 50), (1, 0));
    let done = get(store, &job.id);
    assert_eq!(done.status, JobState::Complete);
    assert_eq!(done.result, Some(vec![0, 1, 2, 255]));
    assert_eq!(done.completed_at, Some(T0 + 50));
    assert_eq!((done.lease_owner, done.lease_expires_at), (None, None));
    assert_eq!((done.attempt, done.retry_count, done.error), (1, 0, None));
    assert_eq!(done.started_at, Some(T0));
    assert!(store.job_errors(&job.id).expect("job_errors").is_empty());

    let other = running(store, "q", "w", T0);
    assert_eq!(finish(store, &[complete(&other)], T0 + 60), (1, 0));
    assert_eq!(get(store, &other.id).result, None);
    assert!(claim(store, "w", &["q"], 10, T0 + 100).is_empty());
}

/// Retry spends one retry, reschedules at `run_at`, keeps the error and
/// records the failed attempt.
pub fn retry_outcome_reschedules_and_records_the_error(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    let outcome = Outcome::Retry {
        job_id: job.id.clone(),
        attempt: 1,
        error: "boom".into(),
        run_at: T0 + 5_000,
    };
    assert_eq!(finish(store, &[outcome], T0 + 100), (1, 0));
    let waiting = get(store, &job.id);
    assert_eq!(
        (waiting.status, waiting.retry_count, waiting.attempt),
        (JobState::Pending, 1, 1)
    );
    assert_eq!(waiting.scheduled_at, T0 + 5_000);
    assert_eq!(waiting.error.as_deref(), Some("boom"));
    assert_eq!(
        (
            waiting.lease_owner,
            waiting.lease_expires_at,
            waiting.completed_at
        ),
        (None, None, None)
    );
    let errors = store.job_errors(&job.id).expect("job_errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].job_id.as_str(), errors[0].attempt),
        (job.id.as_str(), 1)
    );
    assert_eq!(
        (errors[0].error.as_str(), errors[0].failed_at),
        ("boom", T0 + 100)
    );

    assert!(claim(store, "w", &["q"], 1, T0 + 4_999).is_empty());
    let again = claim(store, "w", &["q"], 1, T0 + 5_000);
    assert_eq!(
        (again[0].id.as_str(), again[0].attempt),
        (job.id.as_str(), 2)
    );
}

/// Dead ends the job for good, records the failed attempt and copies the job
/// to the dead letters; the retry count is the retries spent before.
pub fn dead_outcome_dead_letters_the_job(store: &dyn Store) {
    let new = NewJob {
        metadata: Some(r#"{"k":"v"}"#.into()),
        ..new_job("mail", "send")
    };
    let id = insert_one(store, new);
    let first = claim(store, "w", &["mail"], 1, T0);
    let retry = Outcome::Retry {
        job_id: id.clone(),
        attempt: first[0].attempt,
        error: "e1".into(),
        run_at: T0,
    };
    assert_eq!(finish(store, &[retry], T0 + 1), (1, 0));
    let second = claim(store, "w", &["mail"], 1, T0 + 2);
    assert_eq!(
        finish(store, &[dead(&second[0], "fatal")], T0 + 200),
        (1, 0)
    );

    let job = get(store, &id);
    assert_eq!(
        (job.status, job.retry_count, job.attempt),
        (JobState::Dead, 1, 2)
    );
    assert_eq!(
        (job.error.as_deref(), job.completed_at),
        (Some("fatal"), Some(T0 + 200))
    );
    assert_eq!((job.lease_owner, job.lease_expires_at), (None, None));
    let errors = store.job_errors(&id).expect("job_errors");
    let attempts: Vec<(i32, &str)> = errors
        .iter()
        .map(|e| (e.attempt, e.error.as_str()))
        .collect();
    assert_eq!(attempts, vec![(1, "e1"), (2, "fatal")]);

    let letters = store.dead_list(10, 0).expect("dead_list");
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_ne!(letter.id, id, "a dead letter has its own id");
    assert_eq!(
        (
            letter.original_job_id.as_str(),
            letter.queue.as_str(),
            letter.task_name.as_str()
        ),
        (id.as_str(), "mail", "send")
    );
    assert_eq!(
        (
            letter.error.as_deref(),
            letter.retry_count,
            letter.failed_at
        ),
        (Some("fatal"), 1, T0 + 200)
    );
    assert_eq!(letter.metadata.as_deref(), Some(r#"{"k":"v"}"#));
    assert!(claim(store, "w", &["mail"], 10, T0 + 1_000).is_empty());
}

/// Release puts the job back at once without spending a retry or recording an
/// error; `attempt` keeps counting claims.
pub fn release_outcome_spends_nothing(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    assert_eq!(finish(store, &[release(&job)], T0 + 10), (1, 0));
    let back = get(store, &job.id);
    assert_eq!(
        (
            back.status,
            back.retry_count,
            back.attempt,
            back.crash_count
        ),
        (JobState::Pending, 0, 1, 0)
    );
    assert_eq!(
        (back.lease_owner, back.lease_expires_at, back.error),
        (None, None, None)
    );
    assert_eq!(back.scheduled_at, T0);
    assert!(store.job_errors(&job.id).expect("job_errors").is_empty());
    assert!(store.dead_list(10, 0).expect("dead_list").is_empty());
    assert_eq!(claim(store, "w", &["q"], 1, T0 + 11)[0].attempt, 2);
}

/// Cancelled ends the job as `cancelled` with its error, finish time and one
/// recorded attempt, drops the lease, spends no retry and writes no dead
/// letter; like every outcome it is fenced.
pub fn cancelled_outcome_ends_the_job_without_dead_letter(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    assert!(store
        .job_request_cancel(&job.id)
        .expect("job_request_cancel"));
    let stopped = Outcome::Cancelled {
        job_id: job.id.clone(),
        attempt: job.attempt,
        error: "cancelled on request".into(),
    };
    assert_eq!(
        finish(store, std::slice::from_ref(&stopped), T0 + 40),
        (1, 0)
    );
    let done = get(store, &job.id);
    assert_eq!(
        (done.status, done.retry_count, done.attempt),
        (JobState::Cancelled, 0, 1)
    );
    assert_eq!(
        (done.error.as_deref(), done.completed_at),
        (Some("cancelled on request"), Some(T0 + 40))
    );
    assert_eq!(
        (done.lease_owner.as_deref(), done.lease_expires_at),
        (None, None)
    );
    let errors = store.job_errors(&job.id).expect("job_errors");
    let recorded: Vec<(i32, &str, i64)> = errors
        .iter()
        .map(|e| (e.attempt, e.error.as_str(), e.failed_at))
        .collect();
    assert_eq!(recorded, vec![(1, "cancelled on request", T0 + 40)]);
    assert!(store.dead_list(10, 0).expect("dead_list").is_empty());
    assert!(claim(store, "w", &["q"], 10, T0 + 50).is_empty());
    assert_eq!(
        finish(store, &[stopped], T0 + 60),
        (0, 1),
        "a cancelled job is not running"
    );
    assert_eq!(get(store, &job.id), done);

    let old = running(store, "r", "w1", T0);
    assert_eq!(finish(store, &[release(&old)], T0 + 1), (1, 0));
    let current = claim(store, "w2", &["r"], 1, T0 + 2).remove(0);
    let stale = Outcome::Cancelled {
        job_id: old.id.clone(),
        attempt: old.attempt,
        error: "late".into(),
    };
    assert_eq!(finish(store, &[stale], T0 + 3), (0, 1));
    assert_eq!(get(store, &old.id), current);
    assert!(store.job_errors(&old.id).expect("job_errors").is_empty());
}

/// An outcome of an attempt that no longer holds the job changes nothing: not
/// the job, not its errors, not the dead letters.
pub fn stale_attempt_is_fenced(store: &dyn Store) {
    let old = running(store, "q", "w1", T0);
    assert_eq!(finish(store, &[release(&old)], T0 + 1), (1, 0));
    let current = claim(store, "w2", &["q"], 1, T0 + 2).remove(0);
    assert_eq!(current.attempt, 2);

    let stale = [
        Outcome::Complete {
            job_id: old.id.clone(),
            attempt: 1,
            result: Some(b"late".to_vec()),
        },
        Outcome::Retry {
            job_id: old.id.clone(),
            attempt: 1,
            error: "late".into(),
            run_at: T0,
        },
        Outcome::Dead {
            job_id: old.id.clone(),
            attempt: 1,
            error: "late".into(),
        },
        Outcome::Release {
            job_id: old.id.clone(),
            attempt: 1,
        },
        Outcome::Cancelled {
            job_id: old.id.clone(),
            attempt: 1,
            error: "late".into(),
        },
        Outcome::Complete {
            job_id: old.id.clone(),
            attempt: 3,
            result: None,
        },
        Outcome::Complete {
            job_id: "no-such-job".into(),
            attempt: 1,
            result: None,
        },
    ];
    assert_eq!(finish(store, &stale, T0 + 3), (0, stale.len()));
    assert_eq!(
        get(store, &old.id),
        current,
        "the current attempt is untouched"
    );
    assert!(store.job_errors(&old.id).expect("job_errors").is_empty());
    assert!(store.dead_list(10, 0).expect("dead_list").is_empty());

    let pending = insert_one(store, new_job("idle", "t"));
    let early = Outcome::Complete {
        job_id: pending.clone(),
        attempt: 0,
        result: None,
    };
    assert_eq!(
        finish(store, &[early], T0 + 4),
        (0, 1),
        "a pending job is not running"
    );
    assert_eq!(get(store, &pending).status, JobState::Pending);

    assert_eq!(finish(store, &[complete(&current)], T0 + 5), (1, 0));
    assert_eq!(
        finish(store, &[dead(&current, "twice")], T0 + 6),
        (0, 1),
        "a finished job is not running"
    );
    assert_eq!(get(store, &old.id).status, JobState::Complete);
}

/// One batch applies what it can and counts the rest as fenced.
pub fn finish_batch_reports_applied_and_fenced(store: &dyn Store) {
    let report = store.job_finish_many(&[], T0).expect("job_finish_many");
    assert_eq!((report.applied, report.fenced), (0, 0));
    let a = running(store, "q", "w", T0);
    let b = running(store, "q", "w", T0);
    let c = running(store, "q", "w", T0);
    let batch = [
        complete(&a),
        Outcome::Retry {
            job_id: b.id.clone(),
            attempt: b.attempt,
            error: "x".into(),
            run_at: T0 + 9,
        },
        Outcome::Complete {
            job_id: c.id.clone(),
            attempt: c.attempt + 1,
            result: None,
        },
        complete(&a),
    ];
    assert_eq!(finish(store, &batch, T0 + 1), (2, 2));
    assert_eq!(get(store, &a.id).status, JobState::Complete);
    assert_eq!(get(store, &b.id).status, JobState::Pending);
    assert_eq!(get(store, &c.id).status, JobState::Running);
}
