use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use taskito_core::JobCursor;
use taskito_core::{new_job_id, Clock, JobFilter, JobState, NewJob, Store};
use taskito_engine::{
    wait_for_terminal, Bell, Phase, Shutdown, Signals, Wake, Worker, WorkerConfig,
};

use crate::backend;
use crate::errors::{raise, IntoPyResult};
use crate::executor::PyExecutor;
use crate::lifecycle::detach;
use crate::limits::{breaker_dict, task_limits, TaskLimitsArg};
use crate::periodic::{schedule_dict, task_of, PeriodicTuple};
use crate::record::{
    dead_dict, depth_dict, dict_list, error_dict, replay_dict, stats_dict, worker_dict, JobRecord,
};
use crate::worker::NativeWorker;

/// One store plus the wake-up line to this process's worker.
#[pyclass(frozen, module = "taskito._native")]
pub struct NativeQueue {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    db_path: String,
    wake: Arc<Wake>,
    /// Rung by this process's worker after each commit; result waiters listen.
    committed: Arc<Bell>,
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

/// Options shared by `enqueue` and `enqueue_many`.
struct JobOptions<'a> {
    queue: &'a str,
    priority: i32,
    delay_ms: i64,
    max_retries: i32,
    backoff_ms: i64,
    timeout_ms: i64,
    metadata: Option<&'a str>,
    expires_ms: Option<i64>,
    result_ttl_ms: Option<i64>,
}

impl JobOptions<'_> {
    fn build(
        &self,
        task_name: &str,
        payload: Vec<u8>,
        unique_key: Option<String>,
        now: i64,
    ) -> NewJob {
        NewJob {
            id: new_job_id(),
            queue: self.queue.to_owned(),
            task_name: task_name.to_owned(),
            payload,
            priority: self.priority,
            created_at: now,
            scheduled_at: now + self.delay_ms.max(0),
            max_retries: self.max_retries.max(0),
            backoff_ms: self.backoff_ms.max(0),
            timeout_ms: self.timeout_ms,
            unique_key,
            metadata: self.metadata.map(str::to_owned),
            expires_at: self.expires_ms.map(|ms| now + ms),
            result_ttl_ms: self.result_ttl_ms,
        }
    }
}

#[allow(clippy::cast_possible_truncation)]
fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0) as i64
}

impl NativeQueue {
    fn now_ms(&self) -> i64 {
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

    #[pyo3(signature = (task_name, payload, *, queue, priority, delay_ms, max_retries, backoff_ms,
        timeout_ms, unique_key = None, metadata = None, expires_ms = None, result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue(
        &self,
        py: Python<'_>,
        task_name: &str,
        payload: Vec<u8>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_key: Option<String>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<String> {
        let mut ids = self.enqueue_many(
            py,
            task_name,
            vec![payload],
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            Some(vec![unique_key]),
            metadata,
            expires_ms,
            result_ttl_ms,
        )?;
        Ok(ids.pop().unwrap_or_default())
    }

    #[pyo3(signature = (task_name, payloads, *, queue, priority, delay_ms, max_retries, backoff_ms,
        timeout_ms, unique_keys = None, metadata = None, expires_ms = None, result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue_many(
        &self,
        py: Python<'_>,
        task_name: &str,
        payloads: Vec<Vec<u8>>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_keys: Option<Vec<Option<String>>>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<Vec<String>> {
        if let Some(keys) = &unique_keys {
            if keys.len() != payloads.len() {
                return Err(raise(
                    "QueueError",
                    format!(
                        "unique_keys has {} entries but there are {} jobs",
                        keys.len(),
                        payloads.len()
                    ),
                ));
            }
        }
        let options = JobOptions {
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            metadata,
            expires_ms,
            result_ttl_ms,
        };
        let now = self.now_ms();
        let mut keys = unique_keys.unwrap_or_default().into_iter();
        let jobs: Vec<NewJob> = payloads
            .into_iter()
            .map(|p| options.build(task_name, p, keys.next().flatten(), now))
            .collect();
        let ids = detach(py, || self.store.job_insert_many(&jobs)).py()?;
        self.wake.notify();
        Ok(ids)
    }

    fn get_job(&self, py: Python<'_>, job_id: &str) -> PyResult<Option<JobRecord>> {
        let job = detach(py, || self.store.job_get(job_id)).py()?;
        Ok(job.map(JobRecord::from))
    }

    /// Blocks without the GIL until the job is terminal or the timeout passes.
    fn wait_for_job(
        &self,
        py: Python<'_>,
        job_id: &str,
        timeout_s: f64,
    ) -> PyResult<Option<JobRecord>> {
        let timeout = Duration::from_secs_f64(timeout_s.max(0.0));
        let job = detach(py, || {
            wait_for_terminal(self.store.as_ref(), &self.committed, job_id, timeout)
        })
        .py()?;
        Ok(job.map(JobRecord::from))
    }

    /// Newest first; with `after = (created_at, id)` (a keyset cursor, the last
    /// row of the previous page) the page after it, and `offset` is ignored.
    #[pyo3(signature = (status = None, queue = None, task_name = None, limit = 50, offset = 0,
        after = None))]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the Python keyword arguments"
    )]
    fn list_jobs(
        &self,
        py: Python<'_>,
        status: Option<&str>,
        queue: Option<String>,
        task_name: Option<String>,
        limit: u32,
        offset: u32,
        after: Option<(i64, String)>,
    ) -> PyResult<Vec<JobRecord>> {
        let status = status.map(str::parse::<JobState>).transpose().py()?;
        let filter = JobFilter {
            status,
            queue,
            task_name,
            limit,
            offset,
        };
        let jobs = match after {
            None => detach(py, || self.store.job_list(&filter)),
            Some((created_at, id)) => {
                let cursor = JobCursor { created_at, id };
                detach(py, || self.store.job_list_after(&filter, &cursor))
            }
        }
        .py()?;
        Ok(jobs.into_iter().map(JobRecord::from).collect())
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let stats = detach(py, || self.store.job_stats()).py()?;
        stats_dict(py, &stats)
    }

    fn queue_depths<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let depths = detach(py, || self.store.queue_depths()).py()?;
        dict_list(py, &depths, depth_dict)
    }

    fn job_errors<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyList>> {
        let errors = detach(py, || self.store.job_errors(job_id)).py()?;
        dict_list(py, &errors, error_dict)
    }

    fn cancel_job(&self, py: Python<'_>, job_id: &str) -> PyResult<bool> {
        detach(py, || self.store.job_cancel(job_id, self.now_ms())).py()
    }

    #[pyo3(signature = (limit = 10, offset = 0))]
    fn dead_letters<'py>(
        &self,
        py: Python<'py>,
        limit: u32,
        offset: u32,
    ) -> PyResult<Bound<'py, PyList>> {
        let dead = detach(py, || self.store.dead_list(limit, offset)).py()?;
        dict_list(py, &dead, dead_dict)
    }

    fn retry_dead(&self, py: Python<'_>, dead_id: &str) -> PyResult<String> {
        let id = detach(py, || self.store.dead_retry(dead_id, self.now_ms())).py()?;
        self.wake.notify();
        Ok(id)
    }

    fn delete_dead(&self, py: Python<'_>, dead_id: &str) -> PyResult<bool> {
        detach(py, || self.store.dead_delete(dead_id)).py()
    }

    fn purge_dead(&self, py: Python<'_>, older_than_s: f64) -> PyResult<u64> {
        let before = self.now_ms() - seconds_to_ms(older_than_s);
        detach(py, || self.store.dead_purge(before)).py()
    }

    fn purge_completed(&self, py: Python<'_>, older_than_s: f64) -> PyResult<u64> {
        let before = self.now_ms() - seconds_to_ms(older_than_s);
        detach(py, || self.store.job_purge_completed(before)).py()
    }

    fn list_workers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let workers = detach(py, || self.store.worker_list()).py()?;
        dict_list(py, &workers, worker_dict)
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
            return Err(raise(
                "QueueError",
                "a worker needs at least one queue to serve".into(),
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
        let handle = detach(py, || {
            Worker::start(store, executor, clock, config, signals)
        })
        .py()?;
        NativeWorker::new(py, handle, Duration::from_millis(grace_ms))
    }

    fn request_cancel(&self, py: Python<'_>, job_id: &str) -> PyResult<bool> {
        detach(py, || self.store.job_request_cancel(job_id)).py()
    }

    #[pyo3(signature = (job_id, progress, attempt = None))]
    fn set_progress(
        &self,
        py: Python<'_>,
        job_id: &str,
        progress: i32,
        attempt: Option<i32>,
    ) -> PyResult<bool> {
        detach(py, || {
            self.store.job_set_progress(job_id, attempt, progress)
        })
        .py()
    }

    fn replay(&self, py: Python<'_>, job_id: &str) -> PyResult<String> {
        let id = detach(py, || self.store.job_replay(job_id, self.now_ms())).py()?;
        self.wake.notify();
        Ok(id)
    }

    fn replay_history<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyList>> {
        let rows = detach(py, || self.store.replay_history(job_id)).py()?;
        dict_list(py, &rows, replay_dict)
    }

    /// Every registered periodic schedule, by name.
    fn periodic_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = detach(py, || self.store.periodic_list()).py()?;
        dict_list(py, &rows, schedule_dict)
    }

    /// Gracefully stops the running worker, or the next one to start.
    fn request_shutdown(&self) {
        self.control().request();
        self.wake.notify();
    }

    /// The stored circuit breakers (those that saw a failure), by task name.
    fn circuit_breakers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = detach(py, || self.store.breaker_list()).py()?;
        dict_list(py, &rows, breaker_dict)
    }

    // --- dependencies ---

    /// Like `enqueue`, for a job that waits until every job of `depends_on`
    /// completes (cancelled if one of them cannot).
    #[pyo3(signature = (task_name, payload, depends_on, *, queue, priority, delay_ms, max_retries,
        backoff_ms, timeout_ms, unique_key = None, metadata = None, expires_ms = None,
        result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue_after(
        &self,
        py: Python<'_>,
        task_name: &str,
        payload: Vec<u8>,
        depends_on: Vec<String>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_key: Option<String>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<String> {
        let options = JobOptions {
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            metadata,
            expires_ms,
            result_ttl_ms,
        };
        let job = options.build(task_name, payload, unique_key, self.now_ms());
        let id = detach(py, || self.store.job_insert_dependent(&job, &depends_on)).py()?;
        self.wake.notify();
        Ok(id)
    }

    /// The ids `job_id` depends on, in the order given.
    fn job_dependencies(&self, py: Python<'_>, job_id: &str) -> PyResult<Vec<String>> {
        detach(py, || self.store.job_dependencies(job_id)).py()
    }

    /// The ids of the jobs that depend on `job_id`.
    fn job_dependents(&self, py: Python<'_>, job_id: &str) -> PyResult<Vec<String>> {
        detach(py, || self.store.job_dependents(job_id)).py()
    }

    // --- dashboard ---

    /// `(since, now, buckets)`: completions of the last `window_ms` by the store's
    /// clock, each bucket `(start, completed, avg_run_ms, max_run_ms, avg_wait_ms)`.
    fn completion_series(
        &self,
        py: Python<'_>,
        window_ms: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> PyResult<SeriesRows> {
        let bucket_ms = bucket_ms.max(1);
        let now = self.now_ms();
        let since = (now - window_ms).div_euclid(bucket_ms) * bucket_ms;
        let buckets = detach(py, || {
            self.store.job_completion_series(since, bucket_ms, limit)
        })
        .py()?;
        let rows = buckets
            .into_iter()
            .map(|b| {
                (
                    b.start,
                    b.completed,
                    b.avg_run_ms,
                    b.max_run_ms,
                    b.avg_wait_ms,
                )
            })
            .collect();
        Ok((since, now, rows))
    }

    // --- job graphs: a whole canvas in one transaction ---

    /// Inserts every job of `jobs` (dicts with the `enqueue` options plus
    /// `id`, `task_name`, `payload` and `depends_on`) in one transaction; a
    /// dependency naming an earlier job's id refers to that job. Returns the
    /// id that stands for each job, in order.
    fn enqueue_graph(
        &self,
        py: Python<'_>,
        jobs: Vec<crate::graph::GraphJobArg>,
    ) -> PyResult<Vec<String>> {
        let graph = crate::graph::build(jobs, self.now_ms());
        let ids = detach(py, || self.store.job_insert_graph(&graph)).py()?;
        self.wake.notify();
        Ok(ids)
    }
}

/// What `completion_series` hands to Python.
type SeriesRows = (i64, i64, Vec<(i64, u64, f64, i64, f64)>);
