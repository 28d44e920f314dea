use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use taskito_core::{new_job_id, Clock, Store};
use taskito_engine::{Bell, InsertGroup, Phase, Shutdown, Signals, Wake, Worker, WorkerConfig};

use crate::backend;
use crate::errors::{IntoPyResult, QueueError};
use crate::executor::PyExecutor;
use crate::lifecycle::{self, detach};
use crate::limits::{task_limits, TaskLimitsArg};
use crate::periodic::{task_of, PeriodicTuple};
use crate::worker::NativeWorker;

/// One store plus the wake-up line to this process's worker.
#[pyclass(frozen, module = "taskito._native")]
pub struct NativeQueue {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Enqueues of this process's threads, sharing commits when they coincide.
    pub(crate) inserts: InsertGroup,
    db_path: String,
    pub(crate) wake: Arc<Wake>,
    /// Rung by this process's worker after each commit; result waiters listen.
    pub(crate) committed: Arc<Bell>,
    control: Mutex<StopControl>,
}

/// The stop signal of this queue's worker. A stop asked for while no worker runs
/// is kept for the next worker to start, which then stops at once.
struct StopControl {
    shutdown: Arc<Shutdown>,
    /// Whether a worker was started with `shutdown`.
    taken: bool,
}

impl StopControl {
    fn for_new_worker(&mut self) -> Arc<Shutdown> {
        let pending_stop = !self.taken && self.shutdown.is_requested();
        if !pending_stop {
            self.shutdown = Arc::new(Shutdown::new());
        }
        self.taken = true;
        Arc::clone(&self.shutdown)
    }

    fn request(&mut self) {
        if self.taken && self.shutdown.phase() == Phase::Stopped {
            self.shutdown = Arc::new(Shutdown::new());
            self.taken = false;
        }
        self.shutdown.request();
    }
}

impl NativeQueue {
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    fn control(&self) -> std::sync::MutexGuard<'_, StopControl> {
        self.control.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl NativeQueue {
    #[new]
    #[pyo3(signature = (db_path, *, durable = false, db_url = None, schema = None))]
    fn new(
        py: Python<'_>,
        db_path: String,
        durable: bool,
        db_url: Option<String>,
        schema: Option<String>,
    ) -> PyResult<Self> {
        let backend = detach(py, || match &db_url {
            Some(url) => backend::open_postgres(url, schema),
            None => backend::open_sqlite(&db_path, durable),
        })
        .py()?;
        Ok(Self {
            inserts: InsertGroup::new(Arc::clone(&backend.store)),
            store: backend.store,
            clock: backend.clock,
            db_path: backend.location,
            wake: Arc::new(Wake::new()),
            committed: Arc::new(Bell::new()),
            control: Mutex::new(StopControl {
                shutdown: Arc::new(Shutdown::new()),
                taken: false,
            }),
        })
    }

    #[getter]
    fn db_path(&self) -> &str {
        &self.db_path
    }

    #[pyo3(signature = (run_job, queues, threads, *, lease_ms = 10_000, grace_ms = 30_000,
        poll_ms = 50, max_crashes = 3, interrupt = None, prefetch = None, limits = None,
        periodic = None))]
    #[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python call
    fn start_worker(
        &self,
        py: Python<'_>,
        run_job: Py<PyAny>,
        queues: Vec<String>,
        threads: usize,
        lease_ms: i64,
        grace_ms: u64,
        poll_ms: u64,
        max_crashes: i32,
        interrupt: Option<Py<PyAny>>,
        prefetch: Option<usize>,
        limits: Option<Vec<TaskLimitsArg>>,
        periodic: Option<Vec<PeriodicTuple>>,
    ) -> PyResult<NativeWorker> {
        if queues.is_empty() {
            return Err(QueueError::new_err(
                "a worker needs at least one queue to serve",
            ));
        }
        let id = new_job_id();
        let worker_id = format!("{}-{}", std::process::id(), &id[id.len() - 12..]);
        let mut config = WorkerConfig::new(worker_id, queues, threads);
        config.lease_ms = lease_ms.max(1_000);
        config.grace_ms = grace_ms;
        config.poll_ms = poll_ms.max(1);
        config.max_crashes = max_crashes.max(1);
        if let Some(prefetch) = prefetch {
            config.prefetch = prefetch;
            config.prefetch_max = prefetch;
        }
        config.limits = task_limits(limits.unwrap_or_default());
        config.periodic = periodic
            .unwrap_or_default()
            .into_iter()
            .map(task_of)
            .collect();
        let shutdown = self.control().for_new_worker();
        let executor = Arc::new(PyExecutor { run_job, interrupt });
        let (store, clock) = (Arc::clone(&self.store), Arc::clone(&self.clock));
        let signals = Signals {
            wake: Arc::clone(&self.wake),
            shutdown,
            committed: Arc::clone(&self.committed),
        };
        // Tracked before its threads start: the program may end while the start is
        // still returning, with jobs already running (see `lifecycle`).
        let stop = Arc::clone(&signals.shutdown);
        lifecycle::track(&stop, Duration::from_millis(grace_ms));
        detach(py, || {
            Worker::start(store, executor, clock, config, signals)
        })
        .inspect_err(|_| lifecycle::forget(&stop))
        .py()
        .map(NativeWorker::new)
    }

    /// Gracefully stops the running worker, or the next one to start.
    fn request_shutdown(&self) {
        self.control().request();
        self.wake.notify();
    }
}
