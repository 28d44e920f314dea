//! Replaying a job (a fresh copy of its work) and the history of replays.

use rusqlite::{params, Connection};
use taskito_core::{new_job_id, Error, ReplayRecord};

use crate::busy::{TxError, TxResult};
use crate::counts::{self, Tx};
use crate::rows::replay_from_row;

const RECORD: &str = include_str!("../queries/replay_record.sql");
const HISTORY: &str = include_str!("../queries/replay_history.sql");

/// Runs inside the caller's write transaction: the copy and its history row
/// are written together or not at all.
pub(crate) fn replay(conn: &Tx<'_>, id: &str, now: i64) -> TxResult<String> {
    let replay_id = new_job_id();
    let copied = conn.execute(&counts::REPLAY, params![replay_id, id, now])?;
    if copied == 0 {
        return Err(TxError::Fail(Error::NotFound(id.to_owned())));
    }
    conn.prepare_cached(RECORD)?
        .execute(params![id, replay_id, now])?;
    Ok(replay_id)
}

pub(crate) fn history(conn: &Connection, id: &str) -> TxResult<Vec<ReplayRecord>> {
    Ok(conn
        .prepare_cached(HISTORY)?
        .query_map([id], replay_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}
