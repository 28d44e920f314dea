//! Reading result rows into core types. Job rows are read by column name
//! through [`JobColumns`]; the other kinds each come from one statement and
//! are read in its column order.

use rusqlite::types::{FromSql, Type};
use rusqlite::{Row, Statement};
use taskito_core::{DeadLetter, Job, JobErrorRecord, JobState, ReplayRecord, WorkerInfo};

/// Declares [`JobColumns`] and its reader from one table: each job column,
/// named as the [`Job`] field it fills, with the function that reads it.
macro_rules! job_reader {
    ($($column:ident: $read:ident,)+) => {
        /// Where each job column sits in the rows of one statement, found by
        /// name once per statement (see `job_queries::JobQuery`). A lookup by
        /// name scans the statement's column names: done for every column of
        /// every row, it made `job_list` 6.8 µs per job instead of 1.8.
        pub(crate) struct JobColumns {
            $($column: usize,)+
        }

        impl JobColumns {
            /// The columns [`JobColumns::read`] reads.
            #[cfg(test)]
            pub(crate) const NAMES: &'static [&'static str] = &[$(stringify!($column)),+];

            pub(crate) fn of(stmt: &Statement<'_>) -> rusqlite::Result<Self> {
                Ok(Self {
                    $($column: stmt.column_index(stringify!($column))?,)+
                })
            }

            /// The one reader of job rows.
            pub(crate) fn read(&self, row: &Row<'_>) -> rusqlite::Result<Job> {
                Ok(Job {
                    $($column: $read(row, self.$column)?,)+
                })
            }
        }
    };
}

// A new job column: one line here, the migration and queries/job_columns.sql.
job_reader! {
    id: value,
    queue: value,
    task_name: value,
    status: state_at,
    priority: value,
    created_at: value,
    scheduled_at: value,
    started_at: value,
    completed_at: value,
    attempt: value,
    retry_count: value,
    max_retries: value,
    backoff_ms: value,
    timeout_ms: value,
    crash_count: value,
    lease_owner: value,
    lease_expires_at: value,
    error: value,
    progress: value,
    unique_key: value,
    metadata: value,
    expires_at: value,
    result_ttl_ms: value,
    cancel_requested: value,
    payload: value,
    result: value,
}

/// A column whose SQLite value converts straight to the field's type.
fn value<T: FromSql>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    row.get(idx)
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

/// A row limit ([`taskito_core::row_limit`]: 0 is no limit) as SQLite's
/// LIMIT takes it: a negative LIMIT is no limit.
pub(crate) fn sql_limit(limit: u32) -> i64 {
    taskito_core::row_limit(limit).map_or(-1, i64::from)
}
