//! Worker registration and heartbeats.

use rusqlite::{params, Connection};
use taskito_core::WorkerInfo;

use crate::busy::TxResult;
use crate::rows::worker_from_row;

const UPSERT: &str = include_str!("../queries/worker_upsert.sql");
const EXTEND_LEASES: &str = include_str!("../queries/lease_extend.sql");
const DELETE: &str = "DELETE FROM workers WHERE worker_id = ?1";
const LIST: &str = include_str!("../queries/worker_list.sql");

/// Runs inside the caller's write transaction: the worker row and its leases
/// move together.
pub(crate) fn heartbeat(conn: &Connection, w: &WorkerInfo, lease_until: i64) -> TxResult<()> {
    conn.prepare_cached(UPSERT)?.execute(params![
        w.worker_id,
        w.hostname,
        w.pid,
        w.queues,
        w.threads,
        w.started_at,
        w.last_heartbeat
    ])?;
    conn.prepare_cached(EXTEND_LEASES)?
        .execute(params![w.worker_id, lease_until])?;
    Ok(())
}

pub(crate) fn unregister(conn: &Connection, worker_id: &str) -> TxResult<()> {
    conn.prepare_cached(DELETE)?.execute([worker_id])?;
    Ok(())
}

pub(crate) fn list(conn: &Connection) -> TxResult<Vec<WorkerInfo>> {
    Ok(conn
        .prepare_cached(LIST)?
        .query_map([], worker_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}
