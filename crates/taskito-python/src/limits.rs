//! Conversions for rate limits and circuit breakers.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use taskito_core::{Breaker, BreakerConfig, RateLimit};
use taskito_engine::TaskLimits;

/// One task's limits as Python passes them to `start_worker`: its name, an
/// optional `(count, period_ms)` rate limit and an optional `(threshold,
/// window_ms, cooldown_ms)` circuit breaker (checked by `taskito.limits`).
pub(crate) type TaskLimitsArg = (String, Option<(u32, i64)>, Option<(i32, i64, i64)>);

pub(crate) fn task_limits(items: Vec<TaskLimitsArg>) -> HashMap<String, TaskLimits> {
    items
        .into_iter()
        .map(|(name, rate, breaker)| {
            let limits = TaskLimits {
                rate: rate.map(|(count, period_ms)| RateLimit { count, period_ms }),
                breaker: breaker.map(|(threshold, window_ms, cooldown_ms)| BreakerConfig {
                    threshold,
                    window_ms,
                    cooldown_ms,
                }),
            };
            (name, limits)
        })
        .collect()
}

pub(crate) fn breaker_dict<'py>(py: Python<'py>, b: &Breaker) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("task_name", &b.task_name)?;
    d.set_item("state", b.state.as_str())?;
    d.set_item("failure_count", b.failure_count)?;
    d.set_item("last_failure_at", b.last_failure_at)?;
    d.set_item("opened_at", b.opened_at)?;
    d.set_item("threshold", b.threshold)?;
    d.set_item("window_ms", b.window_ms)?;
    d.set_item("cooldown_ms", b.cooldown_ms)?;
    Ok(d)
}
