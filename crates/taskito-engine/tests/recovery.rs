//! Recovery paths of the engine on a real SQLite store: hard timeouts (fenced,
//! interrupted) and immediate rescue of a dead local worker's jobs.

mod support;

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use taskito_core::InsertJobs;

use support::{sqlite, wait_for};
use taskito_core::{ClaimRequest, Clock, Job, JobState, NewJob, Store, SystemClock, WorkerInfo};
use taskito_engine::{ExecResult, Executor, Signals, Worker, WorkerConfig, WorkerHandle};

const LONG: Duration = Duration::from_secs(20);

/// A task that hangs until interrupted (or released), like a stuck network call.
#[derive(Default)]
struct Hanging {
    interrupted: Mutex<Vec<String>>,
    wake: Condvar,
    runs: Mutex<Vec<String>>,
}

impl Executor for Hanging {
    fn execute(&self, job: Job) -> ExecResult {
        self.runs.lock().unwrap().push(job.task_name.clone());
        if job.task_name != "hang" {
            return ExecResult::Success(None);
        }
        let guard = self.interrupted.lock().unwrap();
        let guard = self
            .wake
            .wait_while(guard, |seen| !seen.contains(&job.id))
            .unwrap();
        drop(guard);
        // A late, successful finish: it must not overwrite the timeout outcome.
        ExecResult::Success(Some(b"late".to_vec()))
    }

    fn interrupt(&self, job_id: &str) {
        self.interrupted.lock().unwrap().push(job_id.to_owned());
        self.wake.notify_all();
    }
}

fn start(store: Arc<dyn Store>, exec: Arc<Hanging>, threads: usize) -> WorkerHandle {
    start_with(
        store,
        exec,
        WorkerConfig::new("w-recovery", vec!["default".into()], threads),
    )
}

fn start_with(store: Arc<dyn Store>, exec: Arc<Hanging>, config: WorkerConfig) -> WorkerHandle {
    Worker::start(
        store,
        exec,
        Arc::new(SystemClock),
        config,
        Signals::default(),
    )
    .expect("worker starts")
}

#[test]
fn a_job_past_its_hard_timeout_is_failed_interrupted_and_its_late_finish_fenced() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    let mut job = NewJob::new("default", "hang", vec![], now);
    job.timeout_ms = 200;
    job.max_retries = 0;
    let id = store.job_insert_many(&[job]).unwrap().remove(0);
    let exec = Arc::new(Hanging::default());
    let worker = start(Arc::clone(&store), Arc::clone(&exec), 1);
    wait_for("the job to time out", LONG, || {
        store.job_get(&id).unwrap().unwrap().status == JobState::Dead
    });
    let dead = store.job_get(&id).unwrap().unwrap();
    assert!(
        dead.error.unwrap().contains("timed out"),
        "error names the timeout"
    );
    assert_eq!(
        dead.result, None,
        "the late finish did not complete the job"
    );
    wait_for("the task to be interrupted", LONG, || {
        exec.interrupted.lock().unwrap().as_slice() == [id.clone()]
    });
    // The thread was handed back: the single worker thread runs the next job.
    let next = store
        .job_insert_many(&[NewJob::new(
            "default",
            "quick",
            vec![],
            SystemClock.now_ms(),
        )])
        .unwrap()
        .remove(0);
    wait_for("the next job", LONG, || {
        store.job_get(&next).unwrap().unwrap().status == JobState::Complete
    });
    assert_eq!(store.job_get(&id).unwrap().unwrap().status, JobState::Dead);
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn jobs_of_a_dead_worker_on_this_host_are_rescued_at_start_without_waiting_for_the_lease() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let now = SystemClock.now_ms();
    // A worker process that existed and is gone (spawned, exited, reaped).
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let ghost = WorkerInfo {
        worker_id: "ghost".into(),
        hostname: hostname.trim().to_owned(),
        pid: dead_pid,
        queues: "default".into(),
        threads: 1,
        started_at: now,
        last_heartbeat: now,
    };
    store.worker_heartbeat(&ghost, now + 3_600_000).unwrap();
    let id = store
        .job_insert_many(&[NewJob::new("default", "quick", vec![], now)])
        .unwrap()
        .remove(0);
    let claimed = store
        .job_claim(&ClaimRequest {
            worker_id: "ghost".into(),
            queues: vec!["default".into()],
            limit: 1,
            now,
            lease_ms: 3_600_000,
        })
        .unwrap();
    assert_eq!(claimed.len(), 1, "the ghost holds the job for an hour");

    let exec = Arc::new(Hanging::default());
    let worker = start(Arc::clone(&store), exec, 1);
    wait_for("the rescued job to complete", LONG, || {
        store.job_get(&id).unwrap().unwrap().status == JobState::Complete
    });
    let done = store.job_get(&id).unwrap().unwrap();
    assert_eq!(
        (done.crash_count, done.retry_count),
        (1, 0),
        "a crash, not a failure"
    );
    assert!(store
        .worker_list()
        .unwrap()
        .iter()
        .all(|w| w.worker_id != "ghost"));
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn an_attempt_still_running_when_the_grace_ends_is_released_unspent_and_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let job = NewJob::new("default", "hang", vec![], SystemClock.now_ms());
    let id = store.job_insert_many(&[job]).unwrap().remove(0);
    let exec = Arc::new(Hanging::default());
    let mut config = WorkerConfig::new("w-grace", vec!["default".into()], 1);
    config.grace_ms = 100;
    let worker = start_with(Arc::clone(&store), Arc::clone(&exec), config);
    wait_for("the job to start", LONG, || {
        exec.runs.lock().unwrap().as_slice() == ["hang"]
    });
    worker.request_shutdown();
    assert!(worker.wait(LONG), "the worker stops after its grace");
    assert_eq!(
        exec.interrupted.lock().unwrap().as_slice(),
        std::slice::from_ref(&id),
        "the attempt still running was asked to stop"
    );
    let job = store.job_get(&id).unwrap().unwrap();
    assert_eq!(
        (job.status, job.retry_count, job.result),
        (JobState::Pending, 0, None),
        "given back without spending a retry; the late finish fenced off"
    );
}
