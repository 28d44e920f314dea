//! `taskito._native`: the thin PyO3 layer. It converts arguments, releases and
//! re-takes the GIL, and maps errors; every decision lives in the Rust crates or in
//! the Python package.

mod backend;
mod enqueue;
mod errors;
mod executor;
mod inspect;
mod lifecycle;
mod limits;
mod observability;
mod operations;
mod outcome;
mod periodic;
mod queue;
mod record;
mod spec;
mod worker;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    lifecycle::install(m.py())?;
    m.add("OUTCOME_SUCCESS", executor::OUTCOME_SUCCESS)?;
    m.add("OUTCOME_RETRY", executor::OUTCOME_RETRY)?;
    m.add("OUTCOME_FAIL", executor::OUTCOME_FAIL)?;
    m.add("OUTCOME_CANCELLED", executor::OUTCOME_CANCELLED)?;
    m.add_class::<record::JobRecord>()?;
    m.add_class::<queue::NativeQueue>()?;
    m.add_class::<worker::NativeWorker>()?;
    m.add_function(wrap_pyfunction!(periodic::validate_cron, m)?)?;
    m.add_function(wrap_pyfunction!(periodic::cron_next, m)?)?;
    m.add_class::<observability::NativeObservability>()?;
    m.add_class::<spec::PyJobSpec>()?;
    m.add_function(wrap_pyfunction!(spec::new_job_ids, m)?)?;
    m.add_function(wrap_pyfunction!(outcome::next_state, m)?)?;
    Ok(())
}
