//! Rescuing jobs whose worker died (lease expired, or the worker is known to
//! be gone): back to `pending`, or quarantined once they killed their worker
//! `max_crashes` times.

use rusqlite::ToSql;
use taskito_core::RescueReport;

use crate::busy::TxResult;
use crate::counts::Tx;
use crate::finish;

const CRASH_EXPIRED: &str = include_str!("../queries/job_crash_expired.sql");
const CRASH_OWNER: &str = include_str!("../queries/job_crash_owner.sql");

/// Runs inside the caller's write transaction.
pub(crate) fn rescue_expired(conn: &Tx<'_>, now: i64, max_crashes: i32) -> TxResult<RescueReport> {
    rescue(conn, CRASH_EXPIRED, &now, now, max_crashes)
}

/// Runs inside the caller's write transaction.
pub(crate) fn rescue_owner(
    conn: &Tx<'_>,
    worker_id: &str,
    now: i64,
    max_crashes: i32,
) -> TxResult<RescueReport> {
    rescue(conn, CRASH_OWNER, &worker_id, now, max_crashes)
}

/// `crash_sql` counts one more crash on every interrupted job it selects (by
/// `selector`) and returns `(id, attempt, crash_count)`. Each such job is then
/// released, or, once its crashes reach `max_crashes`, ended for good exactly
/// like an [`taskito_core::Outcome::Dead`]: same fenced update, same
/// `job_errors` row, same dead-letter copy. A `max_crashes` of 1 or less
/// quarantines at the first crash.
fn rescue(
    conn: &Tx<'_>,
    crash_sql: &str,
    selector: &dyn ToSql,
    now: i64,
    max_crashes: i32,
) -> TxResult<RescueReport> {
    // Collected first: the statements below must not run while this one is
    // still stepping.
    let crashed = conn
        .prepare_cached(crash_sql)?
        .query_map([selector], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i32>(1)?,
                r.get::<_, i32>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut report = RescueReport::default();
    for (id, attempt, crashes) in crashed {
        if crashes >= max_crashes {
            let error = format!("quarantined: the worker died {crashes} times while running it");
            if finish::kill(conn, &id, attempt, &error, now)? {
                report.quarantined += 1;
            }
        } else if finish::release(conn, &id, attempt)? {
            report.rescued += 1;
        }
    }
    Ok(report)
}
