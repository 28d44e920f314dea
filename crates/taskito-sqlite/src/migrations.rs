//! Schema versions, applied at open and recorded in `PRAGMA user_version`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use taskito_core::Error;

use crate::busy::{self, TxError};
use crate::SqliteOptions;

/// Every schema step in order; the version of a step is its position + 1.
/// Never edit a step that has shipped: databases already past it would not see
/// the change. Add a new file instead.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_delivery.sql"),
    include_str!("../migrations/0003_dependencies.sql"),
    include_str!("../migrations/0004_periodic.sql"),
    include_str!("../migrations/0005_limits.sql"),
    include_str!("../migrations/0006_observability.sql"),
    include_str!("../migrations/0007_dependency_purge.sql"),
    include_str!("../migrations/0008_maintenance.sql"),
    include_str!("../migrations/0009_job_counts.sql"),
];

fn latest() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Brings the database to the latest schema. Safe when several processes open
/// a fresh file at once: the version is read again under the write lock, so
/// exactly one of them applies each step.
pub(crate) fn apply(
    conn: &mut Connection,
    path: &Path,
    options: &SqliteOptions,
) -> Result<(), Error> {
    let budget = Duration::from_millis(options.busy_wait_ms);
    // The common case (already up to date) needs no write lock.
    let current = busy::with_retry(path, budget, || Ok(user_version(conn)?))?;
    check_not_newer(current, path)?;
    if current == latest() {
        return Ok(());
    }
    busy::with_retry(path, budget, || {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = user_version(&tx)?;
        check_not_newer(current, path).map_err(TxError::Fail)?;
        let done = usize::try_from(current).unwrap_or(0);
        for step in &MIGRATIONS[done..] {
            tx.execute_batch(step)?;
        }
        tx.pragma_update(None, "user_version", latest())?;
        tx.commit()?;
        Ok(())
    })
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

fn check_not_newer(version: i64, path: &Path) -> Result<(), Error> {
    if version > latest() || version < 0 {
        return Err(Error::storage(format!(
            "{} has schema version {version}, newer than this taskito knows ({}); upgrade taskito",
            path.display(),
            latest()
        )));
    }
    Ok(())
}
