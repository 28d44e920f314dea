//! Task metrics written by a running worker: durations measured around each
//! attempt, successes and failures apart, written by the heartbeat.

mod support;

use std::sync::Arc;
use std::time::Duration;
use taskito_core::InsertJobs;

use support::{sqlite, wait_for};
use taskito_core::{summarize, Clock, Job, NewJob, Store, SystemClock};
use taskito_engine::{ExecResult, Executor, Signals, Worker, WorkerConfig};

/// Sleeps the number of ms in the payload; fails jobs of task "bad".
struct Sleeper;

impl Executor for Sleeper {
    fn execute(&self, job: Job) -> ExecResult {
        let ms: u64 = String::from_utf8_lossy(&job.payload).parse().unwrap_or(0);
        std::thread::sleep(Duration::from_millis(ms));
        if job.task_name == "bad" {
            ExecResult::Fail("planned".into())
        } else {
            ExecResult::Success(None)
        }
    }
}

#[test]
fn worker_records_durations_and_outcomes_per_task() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    let mut jobs: Vec<NewJob> = (0..6)
        .map(|_| NewJob::new("default", "good", b"20".to_vec(), now))
        .collect();
    jobs.extend((0..2).map(|_| NewJob::new("default", "bad", b"1".to_vec(), now)));
    store.job_insert_many(&jobs).unwrap();
    let mut config = WorkerConfig::new("w-metrics", vec!["default".into()], 2);
    config.heartbeat_ms = 50;
    let worker = Worker::start(
        Arc::clone(&store),
        Arc::new(Sleeper),
        Arc::new(SystemClock),
        config,
        Signals::default(),
    )
    .expect("worker starts");
    let summary = || summarize(&store.metric_list(now - 1_000, None).unwrap());
    wait_for("metrics of all 8 attempts", Duration::from_secs(20), || {
        let s = summary();
        s.get("good").map(|m| m.count) == Some(6) && s.get("bad").map(|m| m.count) == Some(2)
    });
    let s = summary();
    let good = &s["good"];
    assert_eq!((good.success_count, good.failure_count), (6, 0));
    assert!(good.min_ms >= 20.0 && good.p50_ms >= 20.0, "{good:?}");
    assert!(
        good.p99_ms <= good.max_ms && good.avg_ms >= 20.0,
        "{good:?}"
    );
    assert_eq!((s["bad"].success_count, s["bad"].failure_count), (0, 2));
    let rows = store.metric_list(now - 1_000, Some("good")).unwrap();
    assert!(rows.iter().all(|r| r.worker_id == "w-metrics"));
    worker.request_shutdown();
    assert!(worker.wait(Duration::from_secs(20)));
}
