//! The engine's retry-or-dead rule, for the Python side that must know it without
//! an engine (test mode, and the `on_retry` middleware call made within an attempt).

use pyo3::prelude::*;
use taskito_core::Outcome;
use taskito_engine::{decide_outcome, AttemptInfo, ExecResult};

use crate::executor::{OUTCOME_CANCELLED, OUTCOME_FAIL, OUTCOME_SUCCESS};

/// What becomes of a job whose attempt ended with `code` (an `OUTCOME_*`), having
/// had `retry_count` retries of `max_retries`: `("complete" | "retry" | "dead" |
/// "cancelled", delay_ms)`, the delay before the retry for `"retry"` (with the
/// engine's backoff and jitter), else 0. The engine's own `decide_outcome`.
#[pyfunction]
#[pyo3(signature = (code, retry_count, max_retries, backoff_ms = 1000))]
pub(crate) fn next_state(
    code: i32,
    retry_count: i32,
    max_retries: i32,
    backoff_ms: i64,
) -> (&'static str, i64) {
    let info = AttemptInfo {
        job_id: String::new(),
        attempt: retry_count + 1,
        retry_count,
        max_retries,
        backoff_ms,
        timeout_ms: 0,
    };
    let result = match code {
        OUTCOME_SUCCESS => ExecResult::Success(None),
        OUTCOME_FAIL => ExecResult::Fail(String::new()),
        OUTCOME_CANCELLED => ExecResult::Cancelled(String::new()),
        _ => ExecResult::Retry(String::new()),
    };
    match decide_outcome(&info, result, 0, fastrand::f64()) {
        Outcome::Complete { .. } => ("complete", 0),
        Outcome::Retry { run_at, .. } => ("retry", run_at),
        Outcome::Cancelled { .. } => ("cancelled", 0),
        _ => ("dead", 0),
    }
}
