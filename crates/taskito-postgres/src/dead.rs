//! The dead-letter table: jobs that failed for good, kept for inspection and
//! manual retry.

use taskito_core::{DeadLetter, Error};

use crate::connection::{Conn, Tx, TxError, TxResult};
use crate::pool::Prior;
use crate::rows;

const LIST: &str = include_str!("../queries/dead_list.sql");
const RETRY: &str = include_str!("../queries/dead_retry.sql");
const PURGE: &str = "DELETE FROM dead_letters WHERE failed_at < $1";
const DELETE: &str = "DELETE FROM dead_letters WHERE id = $1";
const JOB_EXISTS: &str = "SELECT 1 FROM jobs WHERE id = $1";

pub(crate) fn list(conn: &mut Conn, limit: u32, offset: u32) -> TxResult<Vec<DeadLetter>> {
    let offset = i64::from(offset);
    conn.query(LIST, &[&rows::sql_limit(limit), &offset])?
        .iter()
        .map(rows::dead_letter)
        .collect()
}

/// Runs inside the caller's write transaction: the entry is taken out and the
/// job made from it by one statement. `job_id` is chosen by the caller before
/// the first attempt, so after a lost commit the job is found by it instead
/// of the entry being reported missing.
pub(crate) fn retry(
    tx: &mut Tx<'_>,
    dead_id: &str,
    job_id: &str,
    now: i64,
    prior: Prior,
) -> TxResult<String> {
    if prior == Prior::UnknownCommit && tx.query_opt(JOB_EXISTS, &[&job_id])?.is_some() {
        return Ok(job_id.to_owned());
    }
    if tx.execute(RETRY, &[&job_id, &dead_id, &now])? == 0 {
        return Err(TxError::Fail(Error::NotFound(dead_id.to_owned())));
    }
    tx.notify();
    Ok(job_id.to_owned())
}

pub(crate) fn delete(tx: &mut Tx<'_>, dead_id: &str) -> TxResult<bool> {
    Ok(tx.execute(DELETE, &[&dead_id])? == 1)
}

pub(crate) fn purge(tx: &mut Tx<'_>, before: i64) -> TxResult<u64> {
    Ok(tx.execute(PURGE, &[&before])?)
}
