//! `taskito._native.JobSpec`: the one shape in which Python hands jobs to the
//! engine. Python builds it once per job (`taskito.enqueue`), the binding takes
//! it as it is (a frozen class, read without conversion), and
//! `taskito_core::plan` turns it into the stored job.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use taskito_core::{new_job_id, JobSpec};

/// One job to enqueue, as `taskito_core::JobSpec`; immutable (see `replace`).
#[pyclass(name = "JobSpec", module = "taskito._native", frozen)]
#[derive(Clone)]
pub(crate) struct PyJobSpec(pub(crate) JobSpec);

#[pymethods]
impl PyJobSpec {
    /// Unset options take the defaults of `taskito_core::JobSpec::new`.
    #[new]
    #[pyo3(signature = (task_name, payload, *, queue = None, priority = None, delay_ms = None,
        max_retries = None, backoff_ms = None, timeout_ms = None, unique_key = None,
        metadata = None, expires_ms = None, result_ttl_ms = None, depends_on = None, id = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        task_name: &str,
        payload: Vec<u8>,
        queue: Option<String>,
        priority: Option<i32>,
        delay_ms: Option<i64>,
        max_retries: Option<i32>,
        backoff_ms: Option<i64>,
        timeout_ms: Option<i64>,
        unique_key: Option<String>,
        metadata: Option<String>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
        depends_on: Option<Vec<String>>,
        id: Option<String>,
    ) -> Self {
        let d = JobSpec::new(task_name, payload);
        Self(JobSpec {
            id,
            queue: queue.unwrap_or(d.queue),
            priority: priority.unwrap_or(d.priority),
            delay_ms: delay_ms.unwrap_or(d.delay_ms),
            max_retries: max_retries.unwrap_or(d.max_retries),
            backoff_ms: backoff_ms.unwrap_or(d.backoff_ms),
            timeout_ms: timeout_ms.unwrap_or(d.timeout_ms),
            unique_key,
            metadata,
            expires_ms,
            result_ttl_ms,
            depends_on: depends_on.unwrap_or_default(),
            ..d
        })
    }

    /// A copy with the given fields replaced (`None` keeps the field as it is).
    #[pyo3(signature = (*, payload = None, delay_ms = None, unique_key = None, metadata = None,
        expires_ms = None, result_ttl_ms = None, depends_on = None, id = None))]
    #[allow(clippy::too_many_arguments)]
    fn replace(
        &self,
        payload: Option<Vec<u8>>,
        delay_ms: Option<i64>,
        unique_key: Option<String>,
        metadata: Option<String>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
        depends_on: Option<Vec<String>>,
        id: Option<String>,
    ) -> Self {
        let base = &self.0;
        Self(JobSpec {
            payload: payload.unwrap_or_else(|| base.payload.clone()),
            delay_ms: delay_ms.unwrap_or(base.delay_ms),
            unique_key: unique_key.or_else(|| base.unique_key.clone()),
            metadata: metadata.or_else(|| base.metadata.clone()),
            expires_ms: expires_ms.or(base.expires_ms),
            result_ttl_ms: result_ttl_ms.or(base.result_ttl_ms),
            depends_on: depends_on.unwrap_or_else(|| base.depends_on.clone()),
            id: id.or_else(|| base.id.clone()),
            task_name: base.task_name.clone(),
            queue: base.queue.clone(),
            ..*base
        })
    }

    #[getter]
    fn task_name(&self) -> &str {
        &self.0.task_name
    }
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.payload)
    }
    #[getter]
    fn queue(&self) -> &str {
        &self.0.queue
    }
    #[getter]
    fn priority(&self) -> i32 {
        self.0.priority
    }
    #[getter]
    fn delay_ms(&self) -> i64 {
        self.0.delay_ms
    }
    #[getter]
    fn max_retries(&self) -> i32 {
        self.0.max_retries
    }
    #[getter]
    fn backoff_ms(&self) -> i64 {
        self.0.backoff_ms
    }
    #[getter]
    fn timeout_ms(&self) -> i64 {
        self.0.timeout_ms
    }
    #[getter]
    fn unique_key(&self) -> Option<&str> {
        self.0.unique_key.as_deref()
    }
    #[getter]
    fn metadata(&self) -> Option<&str> {
        self.0.metadata.as_deref()
    }
    #[getter]
    fn expires_ms(&self) -> Option<i64> {
        self.0.expires_ms
    }
    #[getter]
    fn result_ttl_ms(&self) -> Option<i64> {
        self.0.result_ttl_ms
    }
    #[getter]
    fn depends_on(&self) -> Vec<String> {
        self.0.depends_on.clone()
    }
    #[getter]
    fn id(&self) -> Option<&str> {
        self.0.id.as_deref()
    }

    fn __repr__(&self) -> String {
        let s = &self.0;
        format!(
            "JobSpec(task_name={:?}, queue={:?}, priority={}, delay_ms={}, max_retries={}, \
             timeout_ms={}, payload=<{} bytes>, depends_on={:?})",
            s.task_name,
            s.queue,
            s.priority,
            s.delay_ms,
            s.max_retries,
            s.timeout_ms,
            s.payload.len(),
            s.depends_on
        )
    }
}

/// `n` new job ids, time-ordered like those the store gives (a canvas names its
/// steps before storing them).
#[pyfunction]
pub(crate) fn new_job_ids(n: usize) -> Vec<String> {
    (0..n).map(|_| new_job_id()).collect()
}
