//! Periodic tasks across the boundary: cron validation for the decorator,
//! the worker's task list, and schedules as dicts.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use taskito_core::{CronSchedule, PeriodicSchedule};
use taskito_engine::PeriodicTask;

use crate::errors::IntoPyResult;

/// One periodic task as `taskito.periodic` hands it to `start_worker`:
/// (name, task_name, cron_expr, timezone, queue, payload, priority,
/// max_retries, backoff_ms, timeout_ms, result_ttl_ms).
pub(crate) type PeriodicTuple = (
    String,
    String,
    String,
    Option<String>,
    String,
    Vec<u8>,
    i32,
    i32,
    i64,
    i64,
    Option<i64>,
);

pub(crate) fn task_of(t: PeriodicTuple) -> PeriodicTask {
    let (name, task_name, cron_expr, timezone, queue, payload) = (t.0, t.1, t.2, t.3, t.4, t.5);
    PeriodicTask {
        name,
        task_name,
        cron_expr,
        timezone,
        queue,
        payload,
        priority: t.6,
        max_retries: t.7,
        backoff_ms: t.8,
        timeout_ms: t.9,
        result_ttl_ms: t.10,
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
