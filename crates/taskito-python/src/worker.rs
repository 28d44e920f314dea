use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use taskito_engine::WorkerHandle;

use crate::errors::StorageError;
use crate::lifecycle::{self, detach};

/// A worker running in background threads.
#[pyclass(frozen, module = "taskito._native")]
pub struct NativeWorker {
    handle: Arc<WorkerHandle>,
}

impl NativeWorker {
    /// Wraps a started worker; the interpreter's exit stops it (see `lifecycle`).
    pub(crate) fn new(py: Python<'_>, handle: WorkerHandle, grace: Duration) -> PyResult<Self> {
        let handle = Arc::new(handle);
        lifecycle::track(py, &handle, grace)?;
        Ok(Self { handle })
    }
}

#[pymethods]
impl NativeWorker {
    #[getter]
    fn worker_id(&self) -> &str {
        self.handle.worker_id()
    }

    #[getter]
    fn shutting_down(&self) -> bool {
        self.handle.shutdown().is_requested()
    }

    /// True when the worker is stopping because the program is ending (its
    /// `atexit` hook): the worker then says nothing on its way out.
    #[getter]
    fn stopping_for_exit(&self) -> bool {
        lifecycle::exiting() && self.handle.shutdown().is_requested()
    }

    /// Blocks without the GIL up to `timeout_s`; true once the worker stopped.
    /// Raises `StorageError` if it stopped because the database became unusable.
    fn wait(&self, py: Python<'_>, timeout_s: f64) -> PyResult<bool> {
        let timeout = Duration::from_secs_f64(timeout_s.max(0.0));
        let stopped = detach(py, || self.handle.wait(timeout));
        if stopped {
            if let Some(fault) = self.handle.fault() {
                return Err(StorageError::new_err(fault));
            }
        }
        Ok(stopped)
    }

    fn request_shutdown(&self) {
        self.handle.request_shutdown();
    }
}
