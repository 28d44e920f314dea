use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use taskito_core::{DeadLetter, Job, JobErrorRecord, QueueDepth, ReplayRecord, Stats, WorkerInfo};

/// A snapshot of one stored job, read-only from Python.
#[pyclass(frozen, module = "taskito._native")]
pub struct JobRecord {
    #[pyo3(get)]
    id: String,
    #[pyo3(get)]
    queue: String,
    #[pyo3(get)]
    task_name: String,
    payload: Vec<u8>,
    #[pyo3(get)]
    status: &'static str,
    #[pyo3(get)]
    priority: i32,
    #[pyo3(get)]
    created_at: i64,
    #[pyo3(get)]
    scheduled_at: i64,
    #[pyo3(get)]
    started_at: Option<i64>,
    #[pyo3(get)]
    completed_at: Option<i64>,
    #[pyo3(get)]
    attempt: i32,
    #[pyo3(get)]
    retry_count: i32,
    #[pyo3(get)]
    max_retries: i32,
    #[pyo3(get)]
    timeout_ms: i64,
    #[pyo3(get)]
    crash_count: i32,
    #[pyo3(get)]
    lease_owner: Option<String>,
    result: Option<Vec<u8>>,
    #[pyo3(get)]
    error: Option<String>,
    #[pyo3(get)]
    progress: Option<i32>,
    #[pyo3(get)]
    unique_key: Option<String>,
    #[pyo3(get)]
    metadata: Option<String>,
    #[pyo3(get)]
    expires_at: Option<i64>,
    #[pyo3(get)]
    result_ttl_ms: Option<i64>,
    #[pyo3(get)]
    cancel_requested: bool,
}

#[pymethods]
impl JobRecord {
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.payload)
    }

    #[getter]
    fn result<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.result.as_deref().map(|r| PyBytes::new(py, r))
    }

    fn __repr__(&self) -> String {
        format!("<JobRecord id={} status={}>", self.id, self.status)
    }
}

impl From<Job> for JobRecord {
    fn from(job: Job) -> Self {
        Self {
            id: job.id,
            queue: job.queue,
            task_name: job.task_name,
            payload: job.payload,
            status: job.status.as_str(),
            priority: job.priority,
            created_at: job.created_at,
            scheduled_at: job.scheduled_at,
            started_at: job.started_at,
            completed_at: job.completed_at,
            attempt: job.attempt,
            retry_count: job.retry_count,
            max_retries: job.max_retries,
            timeout_ms: job.timeout_ms,
            crash_count: job.crash_count,
            lease_owner: job.lease_owner,
            result: job.result,
            error: job.error,
            progress: job.progress,
            unique_key: job.unique_key,
            metadata: job.metadata,
            expires_at: job.expires_at,
            result_ttl_ms: job.result_ttl_ms,
            cancel_requested: job.cancel_requested,
        }
    }
}

pub(crate) fn stats_dict<'py>(py: Python<'py>, s: &Stats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("pending", s.pending)?;
    d.set_item("running", s.running)?;
    d.set_item("completed", s.complete)?;
    d.set_item("failed", s.failed)?;
    d.set_item("dead", s.dead)?;
    d.set_item("cancelled", s.cancelled)?;
    Ok(d)
}

pub(crate) fn error_dict<'py>(py: Python<'py>, e: &JobErrorRecord) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", e.id)?;
    d.set_item("job_id", &e.job_id)?;
    d.set_item("attempt", e.attempt)?;
    d.set_item("error", &e.error)?;
    d.set_item("failed_at", e.failed_at)?;
    Ok(d)
}

pub(crate) fn dead_dict<'py>(py: Python<'py>, e: &DeadLetter) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", &e.id)?;
    d.set_item("original_job_id", &e.original_job_id)?;
    d.set_item("queue", &e.queue)?;
    d.set_item("task_name", &e.task_name)?;
    d.set_item("error", &e.error)?;
    d.set_item("retry_count", e.retry_count)?;
    d.set_item("failed_at", e.failed_at)?;
    d.set_item("metadata", &e.metadata)?;
    Ok(d)
}

pub(crate) fn worker_dict<'py>(py: Python<'py>, w: &WorkerInfo) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("worker_id", &w.worker_id)?;
    d.set_item("hostname", &w.hostname)?;
    d.set_item("pid", w.pid)?;
    d.set_item("queues", &w.queues)?;
    d.set_item("threads", w.threads)?;
    d.set_item("started_at", w.started_at)?;
    d.set_item("last_heartbeat", w.last_heartbeat)?;
    Ok(d)
}

pub(crate) fn replay_dict<'py>(py: Python<'py>, r: &ReplayRecord) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", r.id)?;
    d.set_item("original_job_id", &r.original_job_id)?;
    d.set_item("replay_job_id", &r.replay_job_id)?;
    d.set_item("replayed_at", r.replayed_at)?;
    d.set_item("original_error", &r.original_error)?;
    d.set_item("replay_error", &r.replay_error)?;
    Ok(d)
}

/// A Python list of one dict per item.
pub(crate) fn dict_list<'py, T>(
    py: Python<'py>,
    items: &[T],
    to_dict: fn(Python<'py>, &T) -> PyResult<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyList>> {
    let dicts = items
        .iter()
        .map(|item| to_dict(py, item))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, dicts)
}

pub(crate) fn depth_dict<'py>(py: Python<'py>, d: &QueueDepth) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("queue", &d.queue)?;
    out.set_item("pending", d.pending)?;
    out.set_item("running", d.running)?;
    Ok(out)
}
