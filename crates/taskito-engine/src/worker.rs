use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use taskito_core::{Clock, Error, Result, Store, WorkerInfo};

use crate::running::Running;
use crate::tallies::AttemptTallies;
use crate::{heartbeat, periodic, supervisor, Bell, Executor, Shutdown, Wake, WorkerConfig};

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
    pub(crate) fn wait_idle(&self, deadline: Instant) -> bool {
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
                supervisor::supervise(
                    &store,
                    &executor,
                    &clock,
                    &config,
                    &thread_shared,
                    info,
                    follows,
                );
            })
            .map_err(|e| {
                Error::Storage(
                    format!("could not start the worker thread: {e}"),
                    Some(Box::new(e)),
                )
            })?;
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

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
