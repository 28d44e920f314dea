//! Job logs and task metrics.

use super::fixtures::{complete, finish, purge, running, T0};
use crate::{
    metric_bucket, summarize, LogEntry, LogFilter, MetricRollup, MetricTally, NewLogEntry,
    PurgeTarget, Store,
};

fn line(job_id: &str, task: &str, level: &str, message: &str, at: i64) -> NewLogEntry {
    NewLogEntry {
        job_id: job_id.to_owned(),
        task_name: task.to_owned(),
        level: level.to_owned(),
        message: message.to_owned(),
        extra: None,
        logged_at: at,
    }
}

fn messages(entries: &[LogEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.message.as_str()).collect()
}

/// A job's log lines read back oldest first with every field; other jobs'
/// lines stay apart; an unknown job has none.
pub fn logs_of_a_job_read_back_oldest_first(store: &dyn Store) {
    let mut first = line("j1", "t", "info", "started", T0);
    first.extra = Some(r#"{"n": 1, "s": "a'b\"c"}"#.to_owned());
    let id1 = store.log_insert(&first).expect("log_insert");
    let id2 = store
        .log_insert(&line("j1", "t", "error", "it's \"bad\"; --", T0 + 5))
        .expect("log_insert");
    store
        .log_insert(&line("j2", "t", "info", "other job", T0 + 1))
        .expect("log_insert");
    assert!(id2 > id1, "ids grow: {id1} then {id2}");
    let got = store.log_list_job("j1").expect("log_list_job");
    assert_eq!(messages(&got), ["started", "it's \"bad\"; --"]);
    assert_eq!(
        got[0],
        LogEntry {
            id: id1,
            job_id: "j1".into(),
            task_name: "t".into(),
            level: "info".into(),
            message: "started".into(),
            extra: first.extra.clone(),
            logged_at: T0,
        }
    );
    assert_eq!(got[1].extra, None);
    assert!(store.log_list_job("nope").expect("log_list_job").is_empty());
}

/// `log_query` is newest first, filtered by task, level and time, and limited.
pub fn log_query_filters_and_orders_newest_first(store: &dyn Store) {
    for (i, (task, level)) in [("a", "info"), ("b", "info"), ("a", "error"), ("a", "info")]
        .iter()
        .enumerate()
    {
        let at = T0 + 10 * i64::try_from(i).expect("small");
        store
            .log_insert(&line("j", task, level, &format!("m{i}"), at))
            .expect("log_insert");
    }
    let query = |task: Option<&str>, level: Option<&str>, since: i64, limit: u32| {
        let filter = LogFilter {
            task_name: task.map(str::to_owned),
            level: level.map(str::to_owned),
            since,
            limit,
        };
        let got = store.log_query(&filter).expect("log_query");
        got.iter().map(|e| e.message.clone()).collect::<Vec<_>>()
    };
    assert_eq!(query(None, None, T0, 0), ["m3", "m2", "m1", "m0"]);
    assert_eq!(query(Some("a"), None, T0, 0), ["m3", "m2", "m0"]);
    assert_eq!(query(Some("a"), Some("info"), T0, 0), ["m3", "m0"]);
    assert_eq!(query(None, Some("error"), T0, 0), ["m2"]);
    assert_eq!(query(None, None, T0 + 15, 0), ["m3", "m2"]);
    assert_eq!(query(None, None, T0, 1), ["m3"]);
    assert!(query(Some("zzz"), None, T0, 0).is_empty());
}

/// Purging by age removes only older lines; purging a completed job removes
/// its lines with it.
pub fn log_purge_by_age_and_with_the_job(store: &dyn Store) {
    let job = running(store, "q", "w", T0);
    store
        .log_insert(&line(&job.id, "t", "info", "old", T0))
        .expect("log_insert");
    store
        .log_insert(&line(&job.id, "t", "info", "new", T0 + 100))
        .expect("log_insert");
    store
        .log_insert(&line("keep", "t", "info", "other", T0 + 100))
        .expect("log_insert");
    assert_eq!(purge(store, PurgeTarget::Logs, T0 + 50), 1);
    assert_eq!(
        messages(&store.log_list_job(&job.id).expect("list")),
        ["new"]
    );

    assert_eq!(finish(store, &[complete(&job)], T0 + 200), (1, 0));
    assert_eq!(purge(store, PurgeTarget::Completed, T0 + 300), 1);
    assert!(store.log_list_job(&job.id).expect("list").is_empty());
    assert_eq!(store.log_list_job("keep").expect("list").len(), 1);
}

fn rollup(worker: &str, task: &str, at: i64, durations_us: &[i64], ok: bool) -> MetricRollup {
    let mut tally = MetricTally::default();
    for us in durations_us {
        tally.record(*us, ok);
    }
    MetricRollup {
        worker_id: worker.to_owned(),
        task_name: task.to_owned(),
        bucket_start: metric_bucket(at),
        last_at: at,
        tally,
    }
}

fn sorted(mut rows: Vec<MetricRollup>) -> Vec<MetricRollup> {
    rows.sort_by(|a, b| (&a.worker_id, &a.task_name).cmp(&(&b.worker_id, &b.task_name)));
    rows
}

/// Rollups round-trip whole; writing the same worker, task and minute again
/// replaces the row; `metric_list` filters by `last_at` and task.
pub fn metric_rollups_upsert_and_list(store: &dyn Store) {
    let a1 = rollup("w1", "a", T0, &[20_000, 25_000], true);
    let b1 = rollup("w1", "b", T0 + 10, &[1_000], false);
    let a2 = rollup("w2", "a", T0 + 20, &[30_000], true);
    store
        .metric_upsert_many(&[a1.clone(), b1.clone(), a2.clone()])
        .expect("metric_upsert_many");
    let all = sorted(store.metric_list(T0, None).expect("metric_list"));
    assert_eq!(all, vec![a1.clone(), b1.clone(), a2.clone()]);

    let mut a1_later = a1.clone();
    a1_later.last_at = T0 + 30;
    a1_later.tally.record(40_000, false);
    store
        .metric_upsert_many(&[a1_later.clone()])
        .expect("metric_upsert_many");
    let only_a = sorted(store.metric_list(T0, Some("a")).expect("metric_list"));
    assert_eq!(only_a, vec![a1_later.clone(), a2.clone()]);
    let recent = sorted(store.metric_list(T0 + 15, None).expect("metric_list"));
    assert_eq!(recent, vec![a1_later, a2]);
    assert!(store
        .metric_list(T0 + 31, None)
        .expect("metric_list")
        .is_empty());

    let summary = summarize(&store.metric_list(T0, Some("a")).expect("metric_list"));
    assert_eq!(summary["a"].count, 4);
    assert_eq!(summary["a"].failure_count, 1);
    assert!(summary["a"].p50_ms >= 25.0);
}

/// Purging removes rollups last written before the cutoff only.
pub fn metric_purge_removes_older_rollups(store: &dyn Store) {
    store
        .metric_upsert_many(&[
            rollup("w", "old", T0, &[1], true),
            rollup("w", "new", T0 + 120_000, &[1], true),
        ])
        .expect("metric_upsert_many");
    assert_eq!(purge(store, PurgeTarget::Metrics, T0 + 60_000), 1);
    let left = store.metric_list(0, None).expect("metric_list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].task_name, "new");
    store
        .metric_upsert_many(&[])
        .expect("an empty batch is fine");
}
