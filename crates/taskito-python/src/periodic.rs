//! Periodic tasks across the boundary: cron validation for the decorator,
//! the worker's task list, and schedules as dicts.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use taskito_core::{CronSchedule, PeriodicSchedule};
use taskito_engine::PeriodicTask;

use crate::errors::IntoPyResult;
use crate::spec::PyJobSpec;

/// One periodic task as `taskito.periodic` hands it to `start_worker`:
/// (name, cron_expr, timezone, the job each tick enqueues).
pub(crate) type PeriodicTuple = (String, String, Option<String>, PyJobSpec);

pub(crate) fn task_of((name, cron_expr, timezone, job): PeriodicTuple) -> PeriodicTask {
    PeriodicTask {
        name,
        cron_expr,
        timezone,
        job: job.0,
    }
}

/// Checks a cron expression and timezone with the engine's own parser;
/// returns the timezone's IANA name. Raises `QueueError` (a `ValueError`)
/// naming the problem.
#[pyfunction]
#[pyo3(signature = (cron_expr, timezone = None))]
pub(crate) fn validate_cron(cron_expr: &str, timezone: Option<&str>) -> PyResult<&'static str> {
    let schedule = CronSchedule::parse(cron_expr, timezone).py()?;
    Ok(schedule.timezone())
}

/// The next tick of a cron expression strictly after `after_ms` (Unix ms),
/// or `None` if it never ticks again.
#[pyfunction]
#[pyo3(signature = (cron_expr, after_ms, timezone = None))]
pub(crate) fn cron_next(
    cron_expr: &str,
    after_ms: i64,
    timezone: Option<&str>,
) -> PyResult<Option<i64>> {
    let schedule = CronSchedule::parse(cron_expr, timezone).py()?;
    Ok(schedule.next_after(after_ms))
}

pub(crate) fn schedule_dict<'py>(
    py: Python<'py>,
    s: &PeriodicSchedule,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("name", &s.name)?;
    d.set_item("task_name", &s.task_name)?;
    d.set_item("cron_expr", &s.cron_expr)?;
    d.set_item("timezone", &s.timezone)?;
    d.set_item("queue", &s.queue)?;
    d.set_item("registered_at", s.registered_at)?;
    d.set_item("last_tick_at", s.last_tick_at)?;
    Ok(d)
}
