//! Reading result rows into core types. Every job query selects the columns in
//! the order of [`job_from_row`] (see `queries/job_get.sql`).

use rusqlite::types::Type;
use rusqlite::Row;
use taskito_core::{DeadLetter, Job, JobErrorRecord, JobState, ReplayRecord, WorkerInfo};

pub(crate) fn job_from_row(row: &Row<'_>) -> rusqlite::Result<Job> {
    Ok(Job {
        id: row.get(0)?,
        queue: row.get(1)?,
        task_name: row.get(2)?,
        status: state_at(row, 3)?,
        priority: row.get(4)?,
        created_at: row.get(5)?,
        scheduled_at: row.get(6)?,
        started_at: row.get(7)?,
        completed_at: row.get(8)?,
        attempt: row.get(9)?,
        retry_count: row.get(10)?,
        max_retries: row.get(11)?,
        backoff_ms: row.get(12)?,
        timeout_ms: row.get(13)?,
        crash_count: row.get(14)?,
        lease_owner: row.get(15)?,
        lease_expires_at: row.get(16)?,
        error: row.get(17)?,
        progress: row.get(18)?,
        unique_key: row.get(19)?,
        metadata: row.get(20)?,
        expires_at: row.get(21)?,
        result_ttl_ms: row.get(22)?,
        cancel_requested: row.get(23)?,
        payload: row.get(24)?,
        result: row.get(25)?,
    })
}

/// A status column; a string the schema never writes means the file was
/// edited by hand, reported as a conversion failure of that column.
pub(crate) fn state_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<JobState> {
    let text: String = row.get(idx)?;
    text.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

pub(crate) fn dead_letter_from_row(row: &Row<'_>) -> rusqlite::Result<DeadLetter> {
    Ok(DeadLetter {
        id: row.get(0)?,
        original_job_id: row.get(1)?,
        queue: row.get(2)?,
        task_name: row.get(3)?,
        error: row.get(4)?,
        retry_count: row.get(5)?,
        failed_at: row.get(6)?,
        metadata: row.get(7)?,
    })
}

pub(crate) fn job_error_from_row(row: &Row<'_>) -> rusqlite::Result<JobErrorRecord> {
    Ok(JobErrorRecord {
        id: row.get(0)?,
        job_id: row.get(1)?,
        attempt: row.get(2)?,
        error: row.get(3)?,
        failed_at: row.get(4)?,
    })
}

pub(crate) fn replay_from_row(row: &Row<'_>) -> rusqlite::Result<ReplayRecord> {
    Ok(ReplayRecord {
        id: row.get(0)?,
        original_job_id: row.get(1)?,
        replay_job_id: row.get(2)?,
        replayed_at: row.get(3)?,
        original_error: row.get(4)?,
        replay_error: row.get(5)?,
    })
}

pub(crate) fn worker_from_row(row: &Row<'_>) -> rusqlite::Result<WorkerInfo> {
    Ok(WorkerInfo {
        worker_id: row.get(0)?,
        hostname: row.get(1)?,
        pid: row.get(2)?,
        queues: row.get(3)?,
        threads: row.get(4)?,
        started_at: row.get(5)?,
        last_heartbeat: row.get(6)?,
    })
}

/// SQLite reads a negative LIMIT as "no limit"; 0 in a filter means the same.
pub(crate) fn sql_limit(limit: u32) -> i64 {
    if limit == 0 {
        -1
    } else {
        i64::from(limit)
    }
}
