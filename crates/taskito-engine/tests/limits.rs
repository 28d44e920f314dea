//! Rate limits and circuit breakers in the engine, on a real SQLite store and an
//! injected clock: held-back jobs go back to pending for their time, spending
//! nothing, and tasks without limits are not touched.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use taskito_core::InsertJobs;

use support::{sqlite, wait_for};
use taskito_core::{
    BreakerConfig, BreakerState, Clock, Job, JobState, ManualClock, NewJob, RateLimit, Store,
};
use taskito_engine::{ExecResult, Executor, Signals, TaskLimits, Worker, WorkerConfig};

const LONG: Duration = Duration::from_secs(20);
const T0: i64 = 5_000_000;

/// Records runs; jobs of task "down" fail while `failing` is set.
#[derive(Default)]
struct Script {
    ran: Mutex<Vec<String>>,
    failing: AtomicBool,
}

impl Executor for Script {
    fn execute(&self, job: Job) -> ExecResult {
        self.ran.lock().unwrap().push(job.id.clone());
        if job.task_name == "down" && self.failing.load(Ordering::SeqCst) {
            return ExecResult::Retry("the service is down".into());
        }
        ExecResult::Success(None)
    }
}

fn new_job(task: &str, now: i64) -> NewJob {
    let mut job = NewJob::new("default", task, Vec::new(), now);
    job.max_retries = 0;
    job
}

fn get(store: &dyn Store, id: &str) -> Job {
    store.job_get(id).unwrap().expect("job exists")
}

fn start(
    store: &Arc<dyn Store>,
    exec: &Arc<Script>,
    clock: &Arc<ManualClock>,
    task: &str,
    limits: TaskLimits,
) -> taskito_engine::WorkerHandle {
    let mut config = WorkerConfig::new("w-limits", vec!["default".into()], 2);
    config.limits.insert(task.into(), limits);
    let clock: Arc<dyn Clock> = clock.clone();
    Worker::start(
        Arc::clone(store),
        exec.clone(),
        clock,
        config,
        Signals::default(),
    )
    .expect("worker starts")
}

#[test]
fn rate_limited_jobs_wait_for_their_slot_without_spending_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let clock = Arc::new(ManualClock::new(T0));
    let hour = 3_600_000;
    let limited: Vec<NewJob> = (0..3).map(|_| new_job("limited", T0)).collect();
    let ids = store.job_insert_many(&limited).unwrap();
    let plain = store.job_insert_many(&[new_job("plain", T0)]).unwrap();
    let exec = Arc::new(Script::default());
    let rate = RateLimit {
        count: 1,
        period_ms: hour,
    };
    let limits = TaskLimits {
        rate: Some(rate),
        breaker: None,
    };
    let worker = start(&store, &exec, &clock, "limited", limits);

    wait_for("one limited and the plain job ran", LONG, || {
        store.job_stats().unwrap().complete == 2
    });
    let waiting = |store: &dyn Store| {
        let mut at: Vec<i64> = ids
            .iter()
            .map(|id| get(store, id))
            .filter(|j| j.status == JobState::Pending)
            .map(|j| {
                assert_eq!(
                    (j.retry_count, j.crash_count, j.error.as_deref()),
                    (0, 0, None)
                );
                j.scheduled_at
            })
            .collect();
        at.sort_unstable();
        at
    };
    wait_for("the other two are delayed", LONG, || {
        waiting(store.as_ref()).len() == 2
    });
    assert_eq!(waiting(store.as_ref()), vec![T0 + hour, T0 + 2 * hour]);
    assert_eq!(get(store.as_ref(), &plain[0]).status, JobState::Complete);

    clock.advance(hour);
    wait_for("the second runs on its slot", LONG, || {
        store.job_stats().unwrap().complete == 3
    });
    assert_eq!(waiting(store.as_ref()), vec![T0 + 2 * hour]);
    assert_eq!(exec.ran.lock().unwrap().len(), 3, "each ran once");
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}

#[test]
fn an_open_breaker_holds_jobs_back_until_a_trial_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let clock = Arc::new(ManualClock::new(T0));
    let exec = Arc::new(Script::default());
    exec.failing.store(true, Ordering::SeqCst);
    let config = BreakerConfig {
        threshold: 2,
        window_ms: 60_000,
        cooldown_ms: 10_000,
    };
    let limits = TaskLimits {
        rate: None,
        breaker: Some(config),
    };
    let worker = start(&store, &exec, &clock, "down", limits);
    let failing = store
        .job_insert_many(&[new_job("down", T0), new_job("down", T0)])
        .unwrap();
    wait_for("two failures", LONG, || {
        failing
            .iter()
            .all(|id| get(store.as_ref(), id).status == JobState::Dead)
    });
    let breaker = &store.breaker_list().unwrap()[0];
    assert_eq!(
        (breaker.state, breaker.failure_count),
        (BreakerState::Open, 2)
    );

    exec.failing.store(false, Ordering::SeqCst);
    let held = store
        .job_insert_many(&[new_job("down", T0)])
        .unwrap()
        .remove(0);
    wait_for("the job is held back", LONG, || {
        get(store.as_ref(), &held).scheduled_at > T0
    });
    let job = get(store.as_ref(), &held);
    assert_eq!((job.status, job.retry_count), (JobState::Pending, 0));
    // Back at the end of the cooldown, spread over at most a second.
    assert!((T0 + 10_000..=T0 + 11_000).contains(&job.scheduled_at));
    assert_eq!(exec.ran.lock().unwrap().len(), 2);

    clock.advance(11_000);
    wait_for("the trial runs and succeeds", LONG, || {
        get(store.as_ref(), &held).status == JobState::Complete
    });
    wait_for("the breaker closes", LONG, || {
        store.breaker_list().unwrap()[0].state == BreakerState::Closed
    });
    worker.request_shutdown();
    assert!(worker.wait(LONG));
}
