//! Replaying a job (a fresh copy of its work) and the history of replays.

use taskito_core::{Error, ReplayRecord};

use crate::connection::{Conn, Tx, TxError, TxResult};
use crate::pool::Prior;
use crate::rows;

const COPY: &str = include_str!("../queries/job_replay.sql");
const HISTORY: &str = include_str!("../queries/replay_history.sql");
const EXISTS: &str = "SELECT 1 FROM jobs WHERE id = $1";

/// Runs inside the caller's write transaction: the copy and its history row
/// are written by one statement. `replay_id` is chosen by the caller before
/// the first attempt, so after a lost commit the copy is found by it instead
/// of being made twice.
pub(crate) fn replay(
    tx: &mut Tx<'_>,
    id: &str,
    replay_id: &str,
    now: i64,
    prior: Prior,
) -> TxResult<String> {
    if prior == Prior::UnknownCommit && tx.query_opt(EXISTS, &[&replay_id])?.is_some() {
        return Ok(replay_id.to_owned());
    }
    if tx.execute(COPY, &[&replay_id, &id, &now])? == 0 {
        return Err(TxError::Fail(Error::NotFound(id.to_owned())));
    }
    tx.notify();
    Ok(replay_id.to_owned())
}

pub(crate) fn history(conn: &mut Conn, id: &str) -> TxResult<Vec<ReplayRecord>> {
    conn.query(HISTORY, &[&id])?
        .iter()
        .map(rows::replay)
        .collect()
}
