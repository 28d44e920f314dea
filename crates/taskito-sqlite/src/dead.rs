//! The dead-letter table: jobs that failed for good, kept for inspection and
//! manual retry.

use rusqlite::{params, Connection};
use taskito_core::{new_job_id, DeadLetter, Error};

use crate::busy::{TxError, TxResult};
use crate::counts::{self, Tx};
use crate::rows::{self, dead_letter_from_row};

const LIST: &str = include_str!("../queries/dead_list.sql");
const DELETE: &str = "DELETE FROM dead_letters WHERE id = ?1";
const PURGE: &str = "DELETE FROM dead_letters WHERE failed_at < ?1";

pub(crate) fn list(conn: &Connection, limit: u32, offset: u32) -> TxResult<Vec<DeadLetter>> {
    Ok(conn
        .prepare_cached(LIST)?
        .query_map(
            params![rows::sql_limit(limit), i64::from(offset)],
            dead_letter_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Runs inside the caller's write transaction: the copy and the removal of the
/// entry happen together or not at all.
pub(crate) fn retry(conn: &Tx<'_>, dead_id: &str, now: i64) -> TxResult<String> {
    let job_id = new_job_id();
    let copied = conn.execute(&counts::DEAD_RETRY, params![job_id, dead_id, now])?;
    if copied == 0 {
        return Err(TxError::Fail(Error::NotFound(dead_id.to_owned())));
    }
    conn.prepare_cached(DELETE)?.execute([dead_id])?;
    Ok(job_id)
}

pub(crate) fn delete(conn: &Connection, dead_id: &str) -> TxResult<bool> {
    Ok(conn.prepare_cached(DELETE)?.execute([dead_id])? == 1)
}

pub(crate) fn purge(conn: &Connection, before: i64) -> TxResult<u64> {
    Ok(conn.prepare_cached(PURGE)?.execute([before])? as u64)
}
