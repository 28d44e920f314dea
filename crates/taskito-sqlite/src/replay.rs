//! Replaying a job (a fresh copy of its work) and the history of replays.

use rusqlite::{params, Connection};
use taskito_core::{new_job_id, Error, ReplayRecord};

use crate::busy::{TxError, TxResult};
use crate::counts;
use crate::rows::replay_from_row;

const COPY: &str = include_str!("../queries/job_replay.sql");
const RECORD: &str = include_str!("../queries/replay_record.sql");
const HISTORY: &str = include_str!("../queries/replay_history.sql");

/// Runs inside the caller's write transaction: the copy and its history row
/// are written together or not at all.
pub(crate) fn replay(conn: &Connection, id: &str, now: i64) -> TxResult<String> {
    let replay_id = new_job_id();
    let copied = conn
        .prepare_cached(COPY)?
        .execute(params![replay_id, id, now])?;
    if copied == 0 {
        return Err(TxError::Fail(Error::NotFound(id.to_owned())));
    }
    conn.prepare_cached(RECORD)?
        .execute(params![id, replay_id, now])?;
    counts::inserted(conn, 1)?;
    Ok(replay_id)
}

pub(crate) fn history(conn: &Connection, id: &str) -> TxResult<Vec<ReplayRecord>> {
    Ok(conn
        .prepare_cached(HISTORY)?
        .query_map([id], replay_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}
