//! Reading result rows into core types. Job rows are read by column name
//! through [`JobColumns`]; the other kinds each come from one statement and
//! are read in its column order.

use postgres::types::FromSql;
use postgres::{Column, Row};
use taskito_core::{DeadLetter, Error, Job, JobErrorRecord, JobState, ReplayRecord, WorkerInfo};

use crate::connection::TxError;

/// Declares [`JobColumns`] and its reader from one table: each job column,
/// named as the [`Job`] field it fills, with the function that reads it.
macro_rules! job_reader {
    ($($column:ident: $read:ident,)+) => {
        /// Where each job column sits in the rows of one statement, found by
        /// name once per statement (see `job_queries::JobQuery`) rather than
        /// by a scan of the column names for every column of every row (which
        /// cost ~0.5 µs per job row).
        pub(crate) struct JobColumns {
            $($column: usize,)+
        }

        impl JobColumns {
            /// The columns [`JobColumns::read`] reads.
            #[cfg(test)]
            pub(crate) const NAMES: &'static [&'static str] = &[$(stringify!($column)),+];

            pub(crate) fn of(columns: &[Column]) -> Result<Self, TxError> {
                Ok(Self {
                    $($column: position(columns, stringify!($column))?,)+
                })
            }

            /// The one reader of job rows.
            pub(crate) fn read(&self, row: &Row) -> Result<Job, TxError> {
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
    status: state,
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

fn position(columns: &[Column], name: &str) -> Result<usize, TxError> {
    columns
        .iter()
        .position(|c| c.name() == name)
        .ok_or_else(|| {
            TxError::Fail(Error::storage(format!(
                "a statement that returns jobs has no column {name}"
            )))
        })
}

/// A column whose PostgreSQL value converts straight to the field's type.
fn value<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T, TxError> {
    Ok(row.try_get(idx)?)
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
        TxError::Fail(Error::storage(format!(
            "column {idx} holds {value}, which is not a 32-bit unsigned number"
        )))
    })
}

/// A row limit ([`taskito_core::row_limit`]: 0 is no limit) as PostgreSQL's
/// LIMIT takes it: `LIMIT NULL` is no limit.
pub(crate) fn sql_limit(limit: u32) -> Option<i64> {
    taskito_core::row_limit(limit).map(i64::from)
}
