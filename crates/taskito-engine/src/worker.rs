use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use taskito_core::{Clock, Error, Job, Result, Store, WorkerInfo};

use crate::heartbeat::Beat;
use crate::limits::Gate;
use crate::periodic::{self, Follow};
use crate::pool;
use crate::results::{AttemptInfo, Finished};
use crate::running::Running;
use crate::tallies::AttemptTallies;
use crate::{
    heartbeat, results, scheduler, watchdog, watcher, Bell, Executor, Phase, Shutdown, Wake,
    WorkerConfig,
};

/// State shared by the threads of one worker.
pub(crate) struct Shared {
    pub(crate) shutdown: Arc<Shutdown>,
    pub(crate) wake: Arc<Wake>,
    /// Rung after each commit of outcomes.
    pub(crate) committed: Arc<Bell>,
    pub(crate) running: Running,
    inflight: Mutex<usize>,
    idle: Condvar,
    fault: Mutex<Option<String>>,
    /// Attempt durations per task, for the heartbeat to write as metrics.
    pub(crate) tallies: AttemptTallies,
    /// A moving average of attempt durations (µs; 0 before the first), which
    /// sizes the adaptive prefetch.
    mean_run_us: AtomicU64,
}

impl Shared {
    /// Claimed jobs not yet finished by a worker thread.
    pub(crate) fn inflight(&self) -> usize {
        *self.inflight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add_inflight(&self, n: usize) {
        *self.inflight.lock().unwrap_or_else(PoisonError::into_inner) += n;
    }

    pub(crate) fn mean_run_us(&self) -> u64 {
        self.mean_run_us.load(Ordering::Relaxed)
    }

    /// Folds one attempt's duration into the moving average (weight 1/8). Two
    /// threads updating at once may lose one sample: harmless for a size hint.
    pub(crate) fn record_run_us(&self, us: u64) {
        let us = us.max(1);
        let old = self.mean_run_us.load(Ordering::Relaxed);
        let new = if old == 0 { us } else { old - old / 8 + us / 8 };
        self.mean_run_us.store(new.max(1), Ordering::Relaxed);
    }

    /// A worker thread is done with a job: a slot is free.
    pub(crate) fn job_done(&self) {
        let mut n = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.idle.notify_all();
        }
        drop(n);
        self.wake.notify();
    }

    /// Waits until no job is in flight or `deadline` passes; true if idle.
    fn wait_idle(&self, deadline: Instant) -> bool {
        let guard = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        let timeout = deadline.saturating_duration_since(Instant::now());
        let (guard, _) = self
            .idle
            .wait_timeout_while(guard, timeout, |n| *n > 0)
            .unwrap_or_else(PoisonError::into_inner);
        *guard == 0
    }

    /// The store cannot be used any more: remember why and stop.
    pub(crate) fn fail(&self, error: &Error) {
        let mut fault = self.fault.lock().unwrap_or_else(PoisonError::into_inner);
        fault.get_or_insert_with(|| error.to_string());
        drop(fault);
        self.shutdown.request();
        self.wake.notify();
    }
}

/// Starts workers.
pub struct Worker;

/// How a worker talks with the rest of its process.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    /// Wakes the scheduler (enqueue in this process).
    pub wake: Arc<Wake>,
    /// Asks the worker to stop.
    pub shutdown: Arc<Shutdown>,
    /// Rung after each commit of outcomes (for result waiters of this process).
    pub committed: Arc<Bell>,
}

/// A running worker. Dropping the handle does not stop it.
pub struct WorkerHandle {
    shared: Arc<Shared>,
    worker_id: String,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl Worker {
    /// Registers the worker and starts its threads; returns once it runs.
    ///
    /// # Errors
    /// When the store cannot register the worker (unusable database) or a thread
    /// cannot be started.
    pub fn start(
        store: Arc<dyn Store>,
        executor: Arc<dyn Executor>,
        clock: Arc<dyn Clock>,
        config: WorkerConfig,
        signals: Signals,
    ) -> Result<WorkerHandle> {
        let now = clock.now_ms();
        let info = WorkerInfo {
            worker_id: config.worker_id.clone(),
            hostname: hostname(),
            pid: std::process::id(),
            queues: config.queues.join(","),
            threads: u32::try_from(config.threads).unwrap_or(u32::MAX),
            started_at: now,
            last_heartbeat: now,
        };
        store.worker_heartbeat(&info, now + config.lease_ms)?;
        // Jobs of a worker of this host that died (e.g. the one this one replaces)
        // go back at once instead of waiting for their lease.
        heartbeat::recover(store.as_ref(), &info, now, config.max_crashes)?;
        let follows = periodic::register(store.as_ref(), &config.periodic, now)?;
        let shared = Arc::new(Shared {
            shutdown: signals.shutdown,
            wake: signals.wake,
            committed: signals.committed,
            running: Running::default(),
            inflight: Mutex::new(0),
            idle: Condvar::new(),
            fault: Mutex::new(None),
            tallies: AttemptTallies::default(),
            mean_run_us: AtomicU64::new(0),
        });
        let worker_id = config.worker_id.clone();
        let thread_shared = Arc::clone(&shared);
        let supervisor = std::thread::Builder::new()
            .name("taskito-supervisor".into())
            .spawn(move || {
                supervise(
                    &store,
                    &executor,
                    &clock,
                    &config,
                    &thread_shared,
                    info,
                    follows,
                );
            })
            .map_err(|e| Error::Storage(format!("could not start the worker thread: {e}")))?;
        Ok(WorkerHandle {
            shared,
            worker_id,
            supervisor: Mutex::new(Some(supervisor)),
        })
    }
}

impl WorkerHandle {
    #[must_use]
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    #[must_use]
    pub fn shutdown(&self) -> &Arc<Shutdown> {
        &self.shared.shutdown
    }

    /// Asks for a graceful stop.
    pub fn request_shutdown(&self) {
        self.shared.shutdown.request();
        self.shared.wake.notify();
    }

    /// Waits up to `timeout` for the worker to stop; true once it has.
    #[must_use]
    pub fn wait(&self, timeout: Duration) -> bool {
        if !self.shared.shutdown.wait_stopped(timeout) {
            return false;
        }
        if let Some(handle) = self
            .supervisor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = handle.join();
        }
        true
    }

    /// Why the worker stopped on its own, if it did (the database became unusable).
    #[must_use]
    pub fn fault(&self) -> Option<String> {
        self.shared
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

struct Threads {
    scheduler: JoinHandle<()>,
    handler: JoinHandle<()>,
    heartbeat: JoinHandle<()>,
    watchdog: JoinHandle<()>,
    watcher: JoinHandle<()>,
    /// The periodic ticker, when the worker has periodic tasks.
    ticker: Option<JoinHandle<()>>,
    /// Dropped to stop the heartbeat (last, it keeps leases alive while draining).
    stop_heartbeat: Sender<()>,
    /// Dropped to stop the watchdog and the watcher (before the last outcomes
    /// are written).
    stop_watchdog: Sender<()>,
    results: Sender<Finished>,
    jobs: Receiver<Job>,
}

fn supervise(
    store: &Arc<dyn Store>,
    executor: &Arc<dyn Executor>,
    clock: &Arc<dyn Clock>,
    config: &WorkerConfig,
    shared: &Arc<Shared>,
    info: WorkerInfo,
    follows: Vec<Follow>,
) {
    match spawn_threads(store, executor, clock, config, shared, info, follows) {
        Ok(threads) => drain_and_stop(config, shared, executor.as_ref(), threads),
        Err(e) => shared.fail(&Error::Storage(format!(
            "could not start worker threads: {e}"
        ))),
    }
    let _ = store.worker_unregister(&config.worker_id);
    shared.shutdown.mark_stopped();
}

fn spawn_threads(
    store: &Arc<dyn Store>,
    executor: &Arc<dyn Executor>,
    clock: &Arc<dyn Clock>,
    config: &WorkerConfig,
    shared: &Arc<Shared>,
    info: WorkerInfo,
    follows: Vec<Follow>,
) -> std::io::Result<Threads> {
    let (jobs_tx, jobs_rx) = bounded::<Job>(config.capacity());
    let (results_tx, results_rx) = unbounded::<Finished>();
    let (stop_heartbeat, heartbeat_rx) = bounded::<()>(0);
    let (stop_watchdog, watchdog_rx) = bounded::<()>(0);
    let watchdog_stop = watchdog_rx.clone();
    // Worker threads are detached: one stuck in a task must not block the stop.
    let gate = Gate::new(store, clock, &config.limits);
    pool::spawn(
        config.threads,
        &jobs_rx,
        &results_tx,
        executor,
        shared,
        gate.as_ref(),
    )?;
    let handler = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let max = config.max_commit_batch;
        let give_up = Duration::from_millis(config.give_up_after_ms);
        std::thread::Builder::new()
            .name("taskito-results".into())
            .spawn(move || {
                let (store, clock) = (store.as_ref(), clock.as_ref());
                results::run(&results_rx, store, clock, &shared, max, give_up);
            })?
    };
    let heartbeat = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let beat = Beat {
            info,
            lease_ms: config.lease_ms,
            max_crashes: config.max_crashes,
            every: Duration::from_millis(config.heartbeat_ms),
            give_up_after: Duration::from_millis(config.give_up_after_ms),
            retention_ms: config.observability_retention_ms,
        };
        std::thread::Builder::new()
            .name("taskito-heartbeat".into())
            .spawn(move || {
                heartbeat::run(&heartbeat_rx, store.as_ref(), clock.as_ref(), &shared, beat);
            })?
    };
    let watchdog = {
        let (executor, shared) = (Arc::clone(executor), Arc::clone(shared));
        let results = results_tx.clone();
        std::thread::Builder::new()
            .name("taskito-watchdog".into())
            .spawn(move || watchdog::run(&watchdog_rx, &results, executor.as_ref(), &shared))?
    };
    let watcher = {
        let (store, shared) = (Arc::clone(store), Arc::clone(shared));
        let every = Duration::from_micros(config.marker_poll_us.max(50));
        std::thread::Builder::new()
            .name("taskito-watcher".into())
            .spawn(move || watcher::run(&watchdog_stop, store.as_ref(), &shared, every))?
    };
    let ticker = if follows.is_empty() {
        None
    } else {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let give_up = Duration::from_millis(config.give_up_after_ms);
        Some(
            std::thread::Builder::new()
                .name("taskito-periodic".into())
                .spawn(move || {
                    periodic::run(store.as_ref(), clock.as_ref(), &shared, follows, give_up);
                })?,
        )
    };
    let scheduler = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let config = config.clone();
        std::thread::Builder::new()
            .name("taskito-scheduler".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build();
                match runtime {
                    Ok(rt) => rt.block_on(scheduler::run(
                        store.as_ref(),
                        clock.as_ref(),
                        &shared,
                        &config,
                        jobs_tx,
                    )),
                    Err(e) => shared.fail(&Error::Storage(format!(
                        "could not start the scheduler: {e}"
                    ))),
                }
            })?
    };
    Ok(Threads {
        scheduler,
        handler,
        heartbeat,
        watchdog,
        watcher,
        ticker,
        stop_heartbeat,
        stop_watchdog,
        results: results_tx,
        jobs: jobs_rx,
    })
}

/// Graceful stop: wait for the stop request, let running jobs finish within the
/// grace period, give back whatever did not start or did not finish (no retry
/// spent), write the last outcomes, then stop the heartbeat. An attempt still
/// running when the grace ends is given back and asked to stop (`interrupt`): its
/// job may already run elsewhere, and a thread left running it could outlive the
/// program's end (a Python worker in a daemon thread stops this way at exit).
fn drain_and_stop(config: &WorkerConfig, shared: &Shared, executor: &dyn Executor, t: Threads) {
    while shared
        .shutdown
        .wait_change(Phase::Running, Duration::from_secs(3600))
        == Phase::Running
    {}
    shared.wake.notify();
    let _ = t.scheduler.join();
    if let Some(ticker) = t.ticker {
        let _ = ticker.join();
    }
    let deadline = Instant::now() + Duration::from_millis(config.grace_ms);
    let idle = shared.wait_idle(deadline);
    drop(t.stop_watchdog);
    let _ = t.watchdog.join();
    let _ = t.watcher.join();
    if !idle {
        while let Ok(job) = t.jobs.try_recv() {
            let _ = t.results.send(Finished::Released(AttemptInfo::of(&job)));
        }
        for info in shared.running.unfinished() {
            let job_id = info.job_id.clone();
            // Released first: the interrupted attempt's own outcome then comes
            // after it and is fenced off (no retry spent).
            let _ = t.results.send(Finished::Released(info));
            executor.interrupt(&job_id);
        }
    }
    let _ = t.results.send(Finished::Stop);
    let _ = t.handler.join();
    drop(t.stop_heartbeat);
    let _ = t.heartbeat.join();
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
