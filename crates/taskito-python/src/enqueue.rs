//! `NativeQueue.enqueue`: the one native entry point for storing jobs. A single
//! `delay()`, a batch and a whole canvas all arrive here as a list of
//! `JobSpec`s, are planned by `taskito_core::plan` (ids, clamping, times,
//! references between entries) and stored in one transaction, possibly shared
//! with other threads' enqueues (`taskito_engine::InsertGroup`).

use pyo3::prelude::*;
use taskito_core::JobSpec;

use crate::errors::{IntoPyResult, QueueError};
use crate::lifecycle::detach;
use crate::queue::NativeQueue;
use crate::spec::PyJobSpec;

#[pymethods]
impl NativeQueue {
    /// Stores every job of `specs` in one transaction (all or none) and
    /// returns the id that stands for each, in order: its own, or that of the
    /// live job holding its unique key. A dependency naming the `id` of an
    /// earlier spec refers to that entry. With `payloads`, `specs` is one job
    /// repeated once per payload (a batch of one task with the same options).
    #[pyo3(signature = (specs, payloads = None))]
    fn enqueue(
        &self,
        py: Python<'_>,
        specs: Vec<Bound<'_, PyJobSpec>>,
        payloads: Option<Vec<Vec<u8>>>,
    ) -> PyResult<Vec<String>> {
        let specs: Vec<JobSpec> = match (payloads, specs.as_slice()) {
            (None, _) => specs.iter().map(|spec| spec.get().0.clone()).collect(),
            (Some(payloads), [template]) => {
                // The template's own payload is not used (the caller leaves it empty).
                let template = &template.get().0;
                payloads
                    .into_iter()
                    .map(|payload| JobSpec {
                        payload,
                        ..template.clone()
                    })
                    .collect()
            }
            (Some(_), _) => {
                return Err(QueueError::new_err(format!(
                    "enqueue(specs, payloads) repeats exactly one spec, not {}",
                    specs.len()
                )))
            }
        };
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        let batch = taskito_core::plan(specs, self.now_ms());
        let ids = detach(py, || self.inserts.insert(batch)).py()?;
        self.wake.notify();
        Ok(ids)
    }
}
