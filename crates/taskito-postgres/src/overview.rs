//! The dashboard's reads: keyset pages of the job list, live counts per queue
//! and the recent completion series.

use taskito_core::{Job, JobCursor, JobFilter, SeriesBucket};

use crate::connection::{Conn, TxResult};
use crate::job_queries::{LIST_AFTER, LIST_AFTER_BY_STATUS};
use crate::rows;

const SERIES: &str = include_str!("../queries/job_completion_series.sql");

pub(crate) fn list_after(
    conn: &mut Conn,
    filter: &JobFilter,
    cursor: &JobCursor,
) -> TxResult<Vec<Job>> {
    let limit = rows::sql_limit(filter.limit);
    let q = filter.queue.as_deref();
    let t = filter.task_name.as_deref();
    let (c, id) = (cursor.created_at, cursor.id.as_str());
    let (query, found) = match filter.status {
        Some(status) => (
            &LIST_AFTER_BY_STATUS,
            conn.query(
                LIST_AFTER_BY_STATUS.sql(),
                &[&q, &t, &limit, &c, &id, &status.as_str()],
            )?,
        ),
        None => (
            &LIST_AFTER,
            conn.query(LIST_AFTER.sql(), &[&q, &t, &limit, &c, &id])?,
        ),
    };
    query.jobs(&found)
}

pub(crate) fn completion_series(
    conn: &mut Conn,
    since: i64,
    bucket_ms: i64,
    limit: u32,
) -> TxResult<Vec<SeriesBucket>> {
    let bucket_ms = bucket_ms.max(1);
    let limit = rows::sql_limit(limit);
    conn.query(SERIES, &[&since, &bucket_ms, &limit])?
        .iter()
        .map(|row| {
            let completed: i64 = row.try_get(1)?;
            Ok(SeriesBucket {
                start: row.try_get(0)?,
                completed: u64::try_from(completed).unwrap_or(0),
                avg_run_ms: row.try_get(2)?,
                max_run_ms: row.try_get(3)?,
                avg_wait_ms: row.try_get(4)?,
            })
        })
        .collect()
}
