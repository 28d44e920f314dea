//! Rescuing jobs whose worker died (lease expired, or the worker is known to
//! be gone): back to `pending`, or quarantined once they killed their worker
//! `max_crashes` times.

use postgres::types::ToSql;
use taskito_core::RescueReport;

use crate::connection::{Tx, TxResult};
use crate::finish;

const CRASH_EXPIRED: &str = include_str!("../queries/job_crash_expired.sql");
const CRASH_OWNER: &str = include_str!("../queries/job_crash_owner.sql");

/// Runs inside the caller's write transaction.
pub(crate) fn rescue_expired(
    tx: &mut Tx<'_>,
    now: i64,
    max_crashes: i32,
) -> TxResult<RescueReport> {
    rescue(tx, CRASH_EXPIRED, &now, now, max_crashes)
}

/// Runs inside the caller's write transaction.
pub(crate) fn rescue_owner(
    tx: &mut Tx<'_>,
    worker_id: &str,
    now: i64,
    max_crashes: i32,
) -> TxResult<RescueReport> {
    rescue(tx, CRASH_OWNER, &worker_id, now, max_crashes)
}

/// `crash_sql` locks the interrupted jobs it selects (by `selector`), counts
/// one more crash on each and returns `(id, attempt, crash_count)`. Each such
/// job is then released, or, once its crashes reach `max_crashes`, ended for
/// good exactly like an [`taskito_core::Outcome::Dead`]: same fenced
/// statement, same `job_errors` row, same dead-letter copy. A `max_crashes`
/// of 1 or less quarantines at the first crash.
///
/// Running it again after a lost commit is harmless: jobs the lost commit
/// rescued are no longer running (the report then counts fewer).
fn rescue(
    tx: &mut Tx<'_>,
    crash_sql: &'static str,
    selector: &(dyn ToSql + Sync),
    now: i64,
    max_crashes: i32,
) -> TxResult<RescueReport> {
    let crashed = tx
        .query(crash_sql, &[selector])?
        .iter()
        .map(|r| Ok((r.try_get::<_, String>(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<TxResult<Vec<(String, i32, i32)>>>()?;
    let mut report = RescueReport::default();
    for (id, attempt, crashes) in crashed {
        if crashes >= max_crashes {
            let error = format!("quarantined: the worker died {crashes} times while running it");
            if finish::kill(tx, &id, attempt, &error, now)? {
                report.quarantined += 1;
            }
        } else if finish::release(tx, &id, attempt)? {
            report.rescued += 1;
        }
    }
    if report.rescued + report.quarantined > 0 {
        tx.notify();
    }
    Ok(report)
}
