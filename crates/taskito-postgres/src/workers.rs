//! Worker registration and heartbeats.

use taskito_core::WorkerInfo;

use crate::connection::{Conn, Tx, TxResult};
use crate::rows;

const UPSERT: &str = include_str!("../queries/worker_upsert.sql");
const EXTEND_LEASES: &str = include_str!("../queries/lease_extend.sql");
const DELETE: &str = "DELETE FROM workers WHERE worker_id = $1";
const LIST: &str = include_str!("../queries/worker_list.sql");

/// Runs inside the caller's write transaction: the worker row and its leases
/// move together.
pub(crate) fn heartbeat(tx: &mut Tx<'_>, w: &WorkerInfo, lease_until: i64) -> TxResult<()> {
    tx.execute(
        UPSERT,
        &[
            &w.worker_id,
            &w.hostname,
            &i64::from(w.pid),
            &w.queues,
            &i64::from(w.threads),
            &w.started_at,
            &w.last_heartbeat,
        ],
    )?;
    tx.execute(EXTEND_LEASES, &[&w.worker_id, &lease_until])?;
    Ok(())
}

pub(crate) fn unregister(tx: &mut Tx<'_>, worker_id: &str) -> TxResult<()> {
    tx.execute(DELETE, &[&worker_id])?;
    Ok(())
}

pub(crate) fn list(conn: &mut Conn) -> TxResult<Vec<WorkerInfo>> {
    conn.query(LIST, &[])?.iter().map(rows::worker).collect()
}
