//! `NativeQueue`'s methods that change stored jobs on request: cancel, progress,
//! dead letters, purges and replay.

use pyo3::prelude::*;
use pyo3::types::PyList;
use taskito_core::PurgeTarget;

use crate::errors::IntoPyResult;
use crate::lifecycle::detach;
use crate::queue::NativeQueue;
use crate::record::{dead_dict, dict_list};

#[allow(clippy::cast_possible_truncation)]
fn seconds_to_ms(seconds: f64) -> i64 {
    (seconds * 1000.0) as i64
}

#[pymethods]
impl NativeQueue {
    fn cancel_job(&self, py: Python<'_>, job_id: &str) -> PyResult<bool> {
        detach(py, || self.store.job_cancel(job_id, self.now_ms())).py()
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
        detach(py, || self.store.purge(PurgeTarget::DeadLetters, before)).py()
    }

    fn purge_completed(&self, py: Python<'_>, older_than_s: f64) -> PyResult<u64> {
        let before = self.now_ms() - seconds_to_ms(older_than_s);
        detach(py, || self.store.purge(PurgeTarget::Completed, before)).py()
    }

    fn replay(&self, py: Python<'_>, job_id: &str) -> PyResult<String> {
        let id = detach(py, || self.store.job_replay(job_id, self.now_ms())).py()?;
        self.wake.notify();
        Ok(id)
    }
}
