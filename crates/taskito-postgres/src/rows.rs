//! Reading result rows into core types. Every job query selects the columns
//! in the order of [`job`] (see `queries/job_get.sql`).

use postgres::Row;
use taskito_core::{DeadLetter, Error, Job, JobErrorRecord, JobState, ReplayRecord, WorkerInfo};

use crate::connection::TxError;

pub(crate) fn job(row: &Row) -> Result<Job, TxError> {
    Ok(Job {
        id: row.try_get(0)?,
        queue: row.try_get(1)?,
        task_name: row.try_get(2)?,
        status: state(row, 3)?,
        priority: row.try_get(4)?,
        created_at: row.try_get(5)?,
        scheduled_at: row.try_get(6)?,
        started_at: row.try_get(7)?,
        completed_at: row.try_get(8)?,
        attempt: row.try_get(9)?,
        retry_count: row.try_get(10)?,
        max_retries: row.try_get(11)?,
        backoff_ms: row.try_get(12)?,
        timeout_ms: row.try_get(13)?,
        crash_count: row.try_get(14)?,
        lease_owner: row.try_get(15)?,
        lease_expires_at: row.try_get(16)?,
        error: row.try_get(17)?,
        progress: row.try_get(18)?,
        unique_key: row.try_get(19)?,
        metadata: row.try_get(20)?,
        expires_at: row.try_get(21)?,
        result_ttl_ms: row.try_get(22)?,
        cancel_requested: row.try_get(23)?,
        payload: row.try_get(24)?,
        result: row.try_get(25)?,
    })
}

pub(crate) fn jobs(rows: &[Row]) -> Result<Vec<Job>, TxError> {
    rows.iter().map(job).collect()
}

/// A status column; the table's CHECK constraint keeps it to known names.
pub(crate) fn state(row: &Row, idx: usize) -> Result<JobState, TxError> {
    let text: &str = row.try_get(idx)?;
    text.parse().map_err(TxError::Fail)
}

pub(crate) fn dead_letter(row: &Row) -> Result<DeadLetter, TxError> {
    Ok(DeadLetter {
        id: row.try_get(0)?,
        original_job_id: row.try_get(1)?,
        queue: row.try_get(2)?,
        task_name: row.try_get(3)?,
        error: row.try_get(4)?,
        retry_count: row.try_get(5)?,
        failed_at: row.try_get(6)?,
        metadata: row.try_get(7)?,
    })
}

pub(crate) fn job_error(row: &Row) -> Result<JobErrorRecord, TxError> {
    Ok(JobErrorRecord {
        id: row.try_get(0)?,
        job_id: row.try_get(1)?,
        attempt: row.try_get(2)?,
        error: row.try_get(3)?,
        failed_at: row.try_get(4)?,
    })
}

pub(crate) fn replay(row: &Row) -> Result<ReplayRecord, TxError> {
    Ok(ReplayRecord {
        id: row.try_get(0)?,
        original_job_id: row.try_get(1)?,
        replay_job_id: row.try_get(2)?,
        replayed_at: row.try_get(3)?,
        original_error: row.try_get(4)?,
        replay_error: row.try_get(5)?,
    })
}

pub(crate) fn worker(row: &Row) -> Result<WorkerInfo, TxError> {
    Ok(WorkerInfo {
        worker_id: row.try_get(0)?,
        hostname: row.try_get(1)?,
        pid: unsigned(row, 2)?,
        queues: row.try_get(3)?,
        threads: unsigned(row, 4)?,
        started_at: row.try_get(5)?,
        last_heartbeat: row.try_get(6)?,
    })
}

/// PostgreSQL has no unsigned integers: `u32` values live in BIGINT columns.
fn unsigned(row: &Row, idx: usize) -> Result<u32, TxError> {
    let value: i64 = row.try_get(idx)?;
    u32::try_from(value).map_err(|_| {
        TxError::Fail(Error::Storage(format!(
            "column {idx} holds {value}, which is not a 32-bit unsigned number"
        )))
    })
}

/// `LIMIT NULL` is no limit; a limit of 0 in a filter means the same.
pub(crate) fn sql_limit(limit: u32) -> Option<i64> {
    (limit != 0).then(|| i64::from(limit))
}
