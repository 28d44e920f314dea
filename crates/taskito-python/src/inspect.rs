//! `NativeQueue`'s read-only methods: jobs, counts, errors, workers, schedules,
//! breakers, dependencies and the dashboard's completion series.

use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use taskito_core::{Direction, JobCursor, JobFilter, JobState};
use taskito_engine::wait_for_terminal;

use crate::errors::IntoPyResult;
use crate::lifecycle::detach;
use crate::limits::breaker_dict;
use crate::periodic::schedule_dict;
use crate::queue::NativeQueue;
use crate::record::{
    depth_dict, dict_list, error_dict, replay_dict, stats_dict, worker_dict, JobRecord,
};

#[pymethods]
impl NativeQueue {
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
        let cursor = after.map(|(created_at, id)| JobCursor { created_at, id });
        let jobs = detach(py, || self.store.job_list(&filter, cursor.as_ref())).py()?;
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

    fn list_workers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let workers = detach(py, || self.store.worker_list()).py()?;
        dict_list(py, &workers, worker_dict)
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

    /// The stored circuit breakers (those that saw a failure), by task name.
    fn circuit_breakers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let rows = detach(py, || self.store.breaker_list()).py()?;
        dict_list(py, &rows, breaker_dict)
    }

    /// The ids `job_id` depends on, in the order given.
    fn job_dependencies(&self, py: Python<'_>, job_id: &str) -> PyResult<Vec<String>> {
        detach(py, || self.store.job_links(job_id, Direction::DependsOn)).py()
    }

    /// The ids of the jobs that depend on `job_id`.
    fn job_dependents(&self, py: Python<'_>, job_id: &str) -> PyResult<Vec<String>> {
        detach(py, || self.store.job_links(job_id, Direction::Dependents)).py()
    }

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
}

/// What `completion_series` hands to Python.
type SeriesRows = (i64, i64, Vec<(i64, u64, f64, i64, f64)>);
