//! Cluster maintenance turns: which store runs each periodic clean-up.

use rusqlite::{params, Connection, OptionalExtension};

use crate::busy::TxResult;

const TURN: &str = include_str!("../queries/maintenance_turn.sql");
const NEXT: &str = "SELECT next_run_at FROM maintenance WHERE name = ?1";

/// When the turn `name` is next due, if it ever ran.
pub(crate) fn next_run_at(conn: &Connection, name: &str) -> TxResult<Option<i64>> {
    Ok(conn
        .prepare_cached(NEXT)?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Takes the turn `name` if it is due at `now`, moving it `every_ms` on;
/// inside the caller's write transaction.
pub(crate) fn take_turn(conn: &Connection, name: &str, now: i64, every_ms: i64) -> TxResult<bool> {
    let taken = conn
        .prepare_cached(TURN)?
        .query_row(params![name, now, every_ms], |_| Ok(()))
        .optional()?;
    Ok(taken.is_some())
}
