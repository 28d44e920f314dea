//! `NativeQueue.enqueue`: the one native entry point for storing jobs. A single
//! `delay()`, a batch and a whole canvas all arrive here as a list of
//! `JobSpec`s, are planned by `taskito_core::plan` (ids, clamping, times,
//! references between entries) and stored in one transaction, possibly shared
//! with other threads' enqueues (`taskito_engine::InsertGroup`).

use pyo3::prelude::*;

use crate::errors::IntoPyResult;
use crate::lifecycle::detach;
use crate::queue::NativeQueue;
use crate::spec::PyJobSpec;

#[pymethods]
impl NativeQueue {
    /// Stores every job of `specs` in one transaction (all or none) and
    /// returns the id that stands for each, in order: its own, or that of the
    /// live job holding its unique key. A dependency naming the `id` of an
    /// earlier spec refers to that entry.
    fn enqueue(&self, py: Python<'_>, specs: Vec<Bound<'_, PyJobSpec>>) -> PyResult<Vec<String>> {
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        let specs = specs.iter().map(|spec| spec.get().0.clone()).collect();
        let batch = taskito_core::plan(specs, self.now_ms());
        let ids = detach(py, || self.inserts.insert(batch)).py()?;
        self.wake.notify();
        Ok(ids)
    }
}
