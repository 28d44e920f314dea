//! Cluster maintenance turns: which store runs each periodic clean-up.

use crate::connection::{Conn, TxResult};
use crate::pool::Prior;

const TURN: &str = include_str!("../queries/maintenance_turn.sql");

/// Takes the turn `name` if it is due at `now`, moving it `every_ms` on; one
/// statement on its own.
pub(crate) fn take_turn(
    conn: &mut Conn,
    name: &str,
    now: i64,
    every_ms: i64,
    prior: Prior,
) -> TxResult<bool> {
    let taken = conn.query_opt(TURN, &[&name, &now, &every_ms])?;
    // A commit that may have been lost: skip this turn rather than risk two
    // runs (the next one comes after `every_ms`).
    Ok(taken.is_some() && prior == Prior::Clean)
}
