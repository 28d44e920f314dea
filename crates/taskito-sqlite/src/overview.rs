//! The dashboard's reads: keyset pages of the job list, live counts per queue
//! and the recent completion series.

use rusqlite::{params, Connection};
use taskito_core::{JobCursor, JobFilter, SeriesBucket};

use crate::busy::TxResult;
use crate::job_queries;
use crate::rows;

const SERIES: &str = include_str!("../queries/job_completion_series.sql");

pub(crate) fn list_after(
    conn: &Connection,
    filter: &JobFilter,
    cursor: &JobCursor,
) -> TxResult<Vec<taskito_core::Job>> {
    let limit = rows::sql_limit(filter.limit);
    let q = filter.queue.as_deref();
    let t = filter.task_name.as_deref();
    let (c, id) = (cursor.created_at, cursor.id.as_str());
    let jobs = match filter.status {
        Some(status) => job_queries::LIST_AFTER_BY_STATUS
            .jobs(conn, params![q, t, limit, c, id, status.as_str()])?,
        None => job_queries::LIST_AFTER.jobs(conn, params![q, t, limit, c, id])?,
    };
    Ok(jobs)
}

pub(crate) fn completion_series(
    conn: &Connection,
    since: i64,
    bucket_ms: i64,
    limit: u32,
) -> TxResult<Vec<SeriesBucket>> {
    let mut stmt = conn.prepare_cached(SERIES)?;
    let buckets = stmt
        .query_map(
            params![since, bucket_ms.max(1), rows::sql_limit(limit)],
            |row| {
                let completed: i64 = row.get(1)?;
                Ok(SeriesBucket {
                    start: row.get(0)?,
                    completed: u64::try_from(completed).unwrap_or(0),
                    avg_run_ms: row.get(2)?,
                    max_run_ms: row.get(3)?,
                    avg_wait_ms: row.get(4)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(buckets)
}
