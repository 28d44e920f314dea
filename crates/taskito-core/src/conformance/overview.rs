//! The dashboard's reads: keyset pages, live counts per queue, completion series.

use super::fixtures::{claim, complete, finish, ids, insert, insert_one, new_job, T0};
use crate::{JobCursor, JobFilter, JobState, NewJob, Store};

fn cursor_of(store: &dyn Store, id: &str) -> JobCursor {
    let job = store.job_get(id).expect("job_get").expect("job exists");
    JobCursor {
        created_at: job.created_at,
        id: job.id,
    }
}

/// Pages of any size, each after the previous page's last row, give exactly the
/// `job_list` order (ties of one millisecond included), with or without a
/// status, whatever the offset; a cursor whose job is gone continues before its
/// millisecond.
pub fn list_after_pages_like_job_list(store: &dyn Store) {
    let mut jobs = Vec::new();
    for (i, created) in [T0, T0, T0, T0 + 1, T0 + 1, T0 + 2, T0 + 5]
        .iter()
        .enumerate()
    {
        let queue = if i % 2 == 0 { "even" } else { "odd" };
        jobs.push(NewJob {
            created_at: *created,
            ..new_job(queue, "app.page")
        });
    }
    insert(store, &jobs);
    assert_eq!(claim(store, "w", &["odd"], 1, T0 + 10).len(), 1);
    for status in [None, Some(JobState::Pending)] {
        for queue in [None, Some("even".to_owned())] {
            let all = JobFilter {
                status,
                queue: queue.clone(),
                limit: 0,
                ..JobFilter::default()
            };
            let expected = ids(&store.job_list(&all, None).expect("job_list"));
            for size in 1..=3 {
                let page_filter = JobFilter {
                    limit: size,
                    ..all.clone()
                };
                let mut seen = ids(&store.job_list(&page_filter, None).expect("job_list"));
                loop {
                    let last = seen.last().expect("a first page").clone();
                    // With a cursor the offset is ignored.
                    let paged = JobFilter {
                        offset: 2,
                        ..page_filter.clone()
                    };
                    let page = store
                        .job_list(&paged, Some(&cursor_of(store, &last)))
                        .expect("job_list after a cursor");
                    assert!(
                        page.len() <= size as usize,
                        "a page holds at most limit rows"
                    );
                    if page.is_empty() {
                        break;
                    }
                    seen.extend(ids(&page));
                }
                assert_eq!(
                    seen, expected,
                    "status {status:?} queue {queue:?} size {size}"
                );
            }
        }
    }
    let gone = JobCursor {
        created_at: T0 + 1,
        id: "no-such-job".into(),
    };
    let after_gone = store
        .job_list(&JobFilter::default(), Some(&gone))
        .expect("job_list after a cursor");
    assert_eq!(after_gone.len(), 3, "the three jobs created at T0");
    assert!(after_gone.iter().all(|j| j.created_at == T0));
}

/// Completions since `since` fall into buckets by `completed_at`, with run and
/// wait times; older completions and the rows past `limit` are left out.
pub fn completion_series_buckets_recent_completions(store: &dyn Store) {
    for _ in 0..4 {
        insert_one(store, new_job("s", "app.series"));
    }
    let finish_at = |started: i64, done: i64| {
        let job = claim(store, "w", &["s"], 1, started).remove(0);
        assert_eq!(finish(store, &[complete(&job)], done), (1, 0));
    };
    finish_at(T0 + 100, T0 + 150); // before `since`
    finish_at(T0 + 1_000, T0 + 1_010);
    finish_at(T0 + 1_000, T0 + 1_030);
    finish_at(T0 + 2_000, T0 + 2_500);
    let since = T0 + 1_000;
    let series = store
        .job_completion_series(since, 1_000, 100)
        .expect("job_completion_series");
    let summary: Vec<_> = series
        .iter()
        .map(|b| (b.start, b.completed, b.avg_run_ms, b.max_run_ms))
        .collect();
    assert_eq!(
        summary,
        vec![(since, 2, 20.0, 30), (since + 1_000, 1, 500.0, 500)]
    );
    assert!((series[0].avg_wait_ms - 1_000.0).abs() < f64::EPSILON);
    let latest = store
        .job_completion_series(since, 1_000, 1)
        .expect("job_completion_series");
    assert_eq!(latest.len(), 1);
    assert_eq!((latest[0].start, latest[0].completed), (since + 1_000, 1));
}
