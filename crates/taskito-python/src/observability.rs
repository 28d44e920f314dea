//! `NativeObservability`: job logs and task metrics of a queue's store.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use taskito_core::{
    summarize, Clock, LogEntry, LogFilter, NewLogEntry, PurgeTarget, Store, TaskMetrics,
};

use crate::errors::IntoPyResult;
use crate::lifecycle::detach;
use crate::queue::NativeQueue;
use crate::record::dict_list;

/// Logs and metrics over the same store (and clock) as a `NativeQueue`.
#[pyclass(frozen, module = "taskito._native")]
pub struct NativeObservability {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

#[allow(clippy::cast_possible_truncation)]
fn window_start(clock: &dyn Clock, since_s: f64) -> i64 {
    clock.now_ms() - (since_s.max(0.0) * 1000.0) as i64
}

fn log_dict<'py>(py: Python<'py>, e: &LogEntry) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", e.id)?;
    d.set_item("job_id", &e.job_id)?;
    d.set_item("task_name", &e.task_name)?;
    d.set_item("level", &e.level)?;
    d.set_item("message", &e.message)?;
    d.set_item("extra", &e.extra)?;
    d.set_item("logged_at", e.logged_at)?;
    Ok(d)
}

fn metrics_dict<'py>(py: Python<'py>, m: &TaskMetrics) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("count", m.count)?;
    d.set_item("success_count", m.success_count)?;
    d.set_item("failure_count", m.failure_count)?;
    d.set_item("avg_ms", m.avg_ms)?;
    d.set_item("p50_ms", m.p50_ms)?;
    d.set_item("p95_ms", m.p95_ms)?;
    d.set_item("p99_ms", m.p99_ms)?;
    d.set_item("min_ms", m.min_ms)?;
    d.set_item("max_ms", m.max_ms)?;
    Ok(d)
}

#[pymethods]
impl NativeObservability {
    #[new]
    fn new(queue: &NativeQueue) -> Self {
        Self {
            store: Arc::clone(&queue.store),
            clock: Arc::clone(&queue.clock),
        }
    }

    /// Stores a log line (level and extra already checked); returns its id.
    #[pyo3(signature = (job_id, task_name, level, message, extra = None))]
    fn log(
        &self,
        py: Python<'_>,
        job_id: String,
        task_name: String,
        level: String,
        message: String,
        extra: Option<String>,
    ) -> PyResult<i64> {
        let entry = NewLogEntry {
            job_id,
            task_name,
            level,
            message,
            extra,
            logged_at: self.clock.now_ms(),
        };
        detach(py, || self.store.log_insert(&entry)).py()
    }

    fn task_logs<'py>(&self, py: Python<'py>, job_id: &str) -> PyResult<Bound<'py, PyList>> {
        let rows = detach(py, || self.store.log_list_job(job_id)).py()?;
        dict_list(py, &rows, log_dict)
    }

    #[pyo3(signature = (task_name = None, level = None, since_s = 3600.0, limit = 100))]
    fn query_logs<'py>(
        &self,
        py: Python<'py>,
        task_name: Option<String>,
        level: Option<String>,
        since_s: f64,
        limit: u32,
    ) -> PyResult<Bound<'py, PyList>> {
        let filter = LogFilter {
            task_name,
            level,
            since: window_start(self.clock.as_ref(), since_s),
            limit,
        };
        let rows = detach(py, || self.store.log_query(&filter)).py()?;
        dict_list(py, &rows, log_dict)
    }

    /// `{task_name: {count, ..., max_ms}}` over the rollups written in the window.
    #[pyo3(signature = (task_name = None, since_s = 3600.0))]
    fn metrics<'py>(
        &self,
        py: Python<'py>,
        task_name: Option<&str>,
        since_s: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let since = window_start(self.clock.as_ref(), since_s);
        let rows = detach(py, || self.store.metric_list(since, task_name)).py()?;
        let out = PyDict::new(py);
        for (task, m) in summarize(&rows) {
            out.set_item(task, metrics_dict(py, &m)?)?;
        }
        Ok(out)
    }

    /// Deletes log lines older than `older_than_s`; returns how many.
    fn purge_logs(&self, py: Python<'_>, older_than_s: f64) -> PyResult<u64> {
        let before = window_start(self.clock.as_ref(), older_than_s);
        detach(py, || self.store.purge(PurgeTarget::Logs, before)).py()
    }
}
