//! The engine against a real SQLite store: throughput path, claim order,
//! batching, retry backoff on an injected clock, graceful shutdown.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use taskito_core::InsertJobs;

use support::{sqlite, wait_for, Counting};
use taskito_core::{Clock, Job, JobState, ManualClock, NewJob, Store, SystemClock};
use taskito_engine::{ExecResult, Executor, Signals, Worker, WorkerConfig, WorkerHandle};

const LONG: Duration = Duration::from_secs(20);

/// Records the order in which jobs ran, and runs them according to a script.
#[derive(Default)]
struct Recorder {
    ran: Mutex<Vec<String>>,
    /// Failures still to produce per task name.
    fail_first: Mutex<HashMap<String, u32>>,
    /// While true, jobs wait for the gate to open.
    gate_closed: Mutex<bool>,
    gate: Condvar,
    /// Attempts that got past the gate.
    finished: Mutex<usize>,
}

impl Recorder {
    fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().clone()
    }
    fn close_gate(&self) {
        *self.gate_closed.lock().unwrap() = true;
    }
    fn open_gate(&self) {
        *self.gate_closed.lock().unwrap() = false;
        self.gate.notify_all();
    }
}

impl Executor for Recorder {
    fn execute(&self, job: Job) -> ExecResult {
        self.ran.lock().unwrap().push(job.id.clone());
        let closed = self.gate_closed.lock().unwrap();
        drop(self.gate.wait_while(closed, |c| *c).unwrap());
        *self.finished.lock().unwrap() += 1;
        let mut fail = self.fail_first.lock().unwrap();
        match fail.get_mut(&job.task_name) {
            Some(n) if *n > 0 => {
                *n -= 1;
                ExecResult::Retry(format!("planned failure of {}", job.task_name))
            }
            _ => ExecResult::Success(Some(job.payload.clone())),
        }
    }
}

fn start(
    store: Arc<dyn Store>,
    exec: Arc<Recorder>,
    clock: Arc<dyn Clock>,
    threads: usize,
    tweak: impl FnOnce(&mut WorkerConfig),
) -> WorkerHandle {
    let mut config = WorkerConfig::new("w-test", vec!["default".into()], threads);
    tweak(&mut config);
    Worker::start(store, exec, clock, config, Signals::default()).expect("worker starts")
}

fn job(name: &str, priority: i32, scheduled_at: i64, now: i64) -> NewJob {
    let mut j = NewJob::new("default", name, name.as_bytes().to_vec(), now);
    j.priority = priority;
    j.scheduled_at = scheduled_at;
    j
}

fn status(store: &dyn Store, id: &str) -> JobState {
    store.job_get(id).unwrap().expect("job exists").status
}

#[test]
fn runs_every_job_once_and_stores_results() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    let jobs: Vec<NewJob> = (0..300)
        .map(|i| job(&format!("t{i}"), 0, now, now))
        .collect();
    let ids = store.job_insert_many(&jobs).unwrap();
    let exec = Arc::new(Recorder::default());
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        Arc::new(SystemClock),
        4,
        |_| {},
    );
    wait_for("all jobs complete", LONG, || {
        store.job_stats().unwrap().complete == 300
    });
    let mut ran = exec.ran();
    ran.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(ran, expected, "each job ran exactly once");
    let done = store.job_get(&ids[7]).unwrap().unwrap();
    assert_eq!(done.result.as_deref(), Some(b"t7".as_slice()));
    worker.request_shutdown();
    assert!(worker.wait(LONG));
    assert!(
        store.worker_list().unwrap().is_empty(),
        "worker unregistered at stop"
    );
}

#[test]
fn claims_by_priority_then_schedule_and_waits_for_delayed_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let clock = Arc::new(ManualClock::new(1_000_000));
    let now = clock.now_ms();
    let jobs = vec![
        job("low-early", 0, now - 300, now),
        job("high-late", 5, now - 100, now),
        job("high-early", 5, now - 200, now),
        job("future", 9, now + 60_000, now),
        job("mid", 2, now - 50, now),
    ];
    let ids = store.job_insert_many(&jobs).unwrap();
    let by_id: HashMap<String, &str> = ids
        .iter()
        .cloned()
        .zip(jobs.iter().map(|j| j.task_name.as_str()))
        .collect();
    let exec = Arc::new(Recorder::default());
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        clock.clone(),
        1,
        |_| {},
    );
    wait_for("ready jobs done", LONG, || {
        store.job_stats().unwrap().complete == 4
    });
    let order: Vec<&str> = exec.ran().iter().map(|id| by_id[id]).collect();
    assert_eq!(order, ["high-early", "high-late", "mid", "low-early"]);
    assert_eq!(
        status(store.as_ref(), &ids[3]),
        JobState::Pending,
        "future job not run early"
    );
    clock.advance(60_000);
    wait_for("delayed job runs once its time comes", LONG, || {
        status(store.as_ref(), &ids[3]) == JobState::Complete
    });
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn claims_up_to_free_slots_in_one_batch_and_commits_results_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let counting = Arc::new(Counting::new(sqlite(&dir), Duration::from_millis(100)));
    let store: Arc<dyn Store> = counting.clone();
    let now = SystemClock.now_ms();
    let jobs: Vec<NewJob> = (0..8).map(|i| job(&format!("b{i}"), 0, now, now)).collect();
    store.job_insert_many(&jobs).unwrap();
    let exec = Arc::new(Recorder::default());
    exec.close_gate();
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        Arc::new(SystemClock),
        8,
        |_| {},
    );
    wait_for("8 jobs started", LONG, || exec.ran().len() == 8);
    assert_eq!(
        counting.claim_sizes.lock().unwrap().first(),
        Some(&8),
        "one claim of 8"
    );
    exec.open_gate();
    wait_for("all complete", LONG, || {
        store.job_stats().unwrap().complete == 8
    });
    let sizes = counting.finish_sizes.lock().unwrap().clone();
    assert_eq!(sizes.iter().sum::<usize>(), 8);
    assert!(
        sizes.iter().any(|&n| n > 1),
        "results were group-committed: {sizes:?}"
    );
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn retries_back_off_exponentially_on_the_injected_clock_then_dead_letter() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let clock = Arc::new(ManualClock::new(5_000_000));
    let mut j = job("flaky", 0, clock.now_ms(), clock.now_ms());
    j.max_retries = 2;
    j.backoff_ms = 1_000;
    let id = store.job_insert_many(&[j]).unwrap().remove(0);
    let exec = Arc::new(Recorder::default());
    exec.fail_first.lock().unwrap().insert("flaky".into(), 10);
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        clock.clone(),
        1,
        |_| {},
    );

    let scheduled_after = |failures: i32| {
        wait_for("a failed attempt is recorded", LONG, || {
            store.job_get(&id).unwrap().unwrap().retry_count == failures
        });
        let job = store.job_get(&id).unwrap().unwrap();
        assert_eq!(job.status, JobState::Pending);
        job.scheduled_at - clock.now_ms()
    };
    let first = scheduled_after(1);
    assert!(
        (750..=1_000).contains(&first),
        "first retry after ~1 s, got {first} ms"
    );
    assert_eq!(exec.ran().len(), 1, "not retried before its time");
    clock.advance(first);
    let second = scheduled_after(2);
    assert!(
        (1_500..=2_000).contains(&second),
        "second retry after ~2 s, got {second} ms"
    );
    clock.advance(second);
    wait_for("dead after the last retry", LONG, || {
        status(store.as_ref(), &id) == JobState::Dead
    });
    assert_eq!(exec.ran().len(), 3);
    assert_eq!(store.job_errors(&id).unwrap().len(), 3);
    assert_eq!(store.dead_list(10, 0).unwrap()[0].original_job_id, id);
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn graceful_stop_finishes_running_jobs_and_releases_the_rest_unspent() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    let jobs: Vec<NewJob> = (0..6).map(|i| job(&format!("g{i}"), 0, now, now)).collect();
    store.job_insert_many(&jobs).unwrap();
    let exec = Arc::new(Recorder::default());
    exec.close_gate();
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        Arc::new(SystemClock),
        2,
        |c| {
            c.prefetch = 2;
            c.prefetch_max = 2;
        },
    );
    wait_for("2 running", LONG, || exec.ran().len() == 2);
    wait_for("2 more claimed ahead", LONG, || {
        store.job_stats().unwrap().running == 4
    });
    worker.request_shutdown();
    assert!(
        !worker.wait(Duration::from_millis(50)),
        "waits for running jobs"
    );
    exec.open_gate();
    assert!(worker.wait(LONG));
    let stats = store.job_stats().unwrap();
    assert_eq!((stats.complete, stats.pending, stats.running), (2, 4, 0));
    for j in store
        .job_list(
            &taskito_core::JobFilter {
                status: Some(JobState::Pending),
                limit: 10,
                ..Default::default()
            },
            None,
        )
        .unwrap()
    {
        assert_eq!(j.retry_count, 0, "released job spent no retry");
        assert!(j.lease_owner.is_none());
    }
}

#[test]
fn stop_after_grace_releases_a_stuck_job() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    let id = store
        .job_insert_many(&[job("stuck", 0, now, now)])
        .unwrap()
        .remove(0);
    let exec = Arc::new(Recorder::default());
    exec.close_gate();
    let worker = start(
        Arc::clone(&store),
        Arc::clone(&exec),
        Arc::new(SystemClock),
        1,
        |c| {
            c.grace_ms = 200;
        },
    );
    wait_for("job running", LONG, || exec.ran().len() == 1);
    worker.request_shutdown();
    assert!(
        worker.wait(Duration::from_secs(5)),
        "stops after the grace period"
    );
    let job = store.job_get(&id).unwrap().unwrap();
    assert_eq!((job.status, job.retry_count), (JobState::Pending, 0));
    exec.open_gate();
    // The late finish of the released attempt changes nothing: the job stays pending.
    wait_for("the stuck attempt returns", LONG, || {
        *exec.finished.lock().unwrap() == 1
    });
    assert_eq!(status(store.as_ref(), &id), JobState::Pending);
}
