//! The rules the [`Store`] docs state once for every backend (`crate::rules`):
//! a row limit of 0, expiry at claim.

use super::fixtures::{claim, complete, dead, finish, get, insert, new_job, running, T0};
use crate::{
    is_expired, JobCursor, JobFilter, JobState, LogFilter, NewJob, NewLogEntry, Store,
    EXPIRED_ERROR,
};

fn jobs(store: &dyn Store, limit: u32) -> usize {
    store
        .job_list(
            &JobFilter {
                queue: Some("q".to_owned()),
                limit,
                ..JobFilter::default()
            },
            None,
        )
        .expect("job_list")
        .len()
}

fn jobs_after(store: &dyn Store, limit: u32) -> usize {
    let filter = JobFilter {
        queue: Some("q".to_owned()),
        limit,
        ..JobFilter::default()
    };
    let cursor = JobCursor {
        created_at: T0 + 1,
        id: String::new(),
    };
    store
        .job_list(&filter, Some(&cursor))
        .expect("job_list after a cursor")
        .len()
}

fn logs(store: &dyn Store, limit: u32) -> usize {
    store
        .log_query(&LogFilter {
            since: T0,
            limit,
            ..LogFilter::default()
        })
        .expect("log_query")
        .len()
}

/// A row limit of 0 returns every row, a limit of n returns n: in
/// `job_list`, `job_list_after`, `dead_list`, `log_query` and
/// `job_completion_series`. A claim's limit of 0 claims nothing.
pub fn a_row_limit_of_zero_means_no_limit(store: &dyn Store) {
    insert(
        store,
        &(0..5).map(|_| new_job("q", "t")).collect::<Vec<_>>(),
    );
    assert_eq!(claim(store, "w", &["q"], 0, T0), vec![], "no slots");
    assert_eq!(get_pending(store), 5, "a claim of 0 changes nothing");
    assert_eq!((jobs(store, 0), jobs(store, 3)), (5, 3));
    assert_eq!((jobs_after(store, 0), jobs_after(store, 2)), (5, 2));

    for i in 0..4 {
        let job = running(store, &format!("d{i}"), "w", T0);
        assert_eq!(finish(store, &[dead(&job, "boom")], T0 + 1), (1, 0));
    }
    let dead_letters = |limit| store.dead_list(limit, 0).expect("dead_list").len();
    assert_eq!((dead_letters(0), dead_letters(3)), (4, 3));
    assert_eq!(store.dead_list(0, 1).expect("dead_list").len(), 3, "offset");

    for i in 0..6 {
        let line = NewLogEntry {
            job_id: "j".to_owned(),
            task_name: "t".to_owned(),
            level: "info".to_owned(),
            message: format!("m{i}"),
            extra: None,
            logged_at: T0 + i,
        };
        store.log_insert(&line).expect("log_insert");
    }
    assert_eq!((logs(store, 0), logs(store, 4)), (6, 4));

    for i in 0..3 {
        let job = running(store, &format!("c{i}"), "w", T0);
        assert_eq!(finish(store, &[complete(&job)], T0 + 10), (1, 0));
    }
    let completed = |limit| -> u64 {
        store
            .job_completion_series(T0, 60_000, limit)
            .expect("job_completion_series")
            .iter()
            .map(|b| b.completed)
            .sum()
    };
    assert_eq!((completed(0), completed(2)), (3, 2));
}

fn get_pending(store: &dyn Store) -> u64 {
    store.job_stats().expect("job_stats").pending
}

/// A pending job past its `expires_at` is never returned by a claim: the
/// claim ends it, in any queue, as `failed` with [`EXPIRED_ERROR`] at the
/// claim's time, spending nothing, with no `job_errors` row and no dead
/// letter, counted as failed. A job at exactly its `expires_at` still runs.
pub fn an_expired_job_is_never_claimed_and_fails(store: &dyn Store) {
    let expiring = |queue: &str, at: i64| NewJob {
        expires_at: Some(at),
        ..new_job(queue, "t")
    };
    let ids = insert(
        store,
        &[
            expiring("q", T0 + 10),
            expiring("elsewhere", T0 + 10),
            expiring("q", T0 + 11),
            new_job("q", "t"),
        ],
    );
    let before = store.job_stats().expect("job_stats");
    let claimed = claim(store, "w", &["q"], 10, T0 + 11);
    let mut got: Vec<&str> = claimed.iter().map(|j| j.id.as_str()).collect();
    got.sort_unstable();
    let mut due = vec![ids[2].as_str(), ids[3].as_str()];
    due.sort_unstable();
    assert_eq!(got, due, "only the jobs still in time run");
    for job in &claimed {
        assert!(!is_expired(job.expires_at, T0 + 11), "{job:?}");
    }
    for id in &ids[..2] {
        let job = get(store, id);
        assert!(is_expired(job.expires_at, T0 + 11));
        assert_eq!(job.status, JobState::Failed, "{id}");
        assert_eq!(job.error.as_deref(), Some(EXPIRED_ERROR));
        assert_eq!(job.completed_at, Some(T0 + 11));
        assert_eq!((job.attempt, job.retry_count), (0, 0), "nothing spent");
        assert_eq!((job.started_at, job.lease_owner), (None, None));
        assert!(store.job_errors(id).expect("job_errors").is_empty());
    }
    assert!(store.dead_list(0, 0).expect("dead_list").is_empty());
    let after = store.job_stats().expect("job_stats");
    assert_eq!(after.failed, before.failed + 2);
    assert_eq!(after.pending, 0);
    assert_eq!(after.running, 2);
    assert!(
        claim(store, "w", &["elsewhere"], 10, T0 + 12).is_empty(),
        "an expired job is not claimed later either"
    );
}
