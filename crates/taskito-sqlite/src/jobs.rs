//! Inserting, reading, listing, cancelling and purging jobs; cancel requests
//! and progress of running jobs.

use rusqlite::{params, Connection, OptionalExtension};
use taskito_core::{Error, Job, JobErrorRecord, JobFilter, NewJob, QueueDepth, Stats};

use crate::busy::{TxError, TxResult};
use crate::counts::{self, Tx};
use crate::dependencies::{self, Ended};
use crate::errors;
use crate::job_queries;
use crate::rows::{self, job_error_from_row};

const LIVE_BY_KEY: &str = include_str!("../queries/job_live_by_key.sql");
/// Kept by `counts`, so this reads six rows.
const STATS: &str = "SELECT status, n FROM job_counts WHERE n <> 0";
const QUEUE_DEPTHS: &str = include_str!("../queries/queue_depths.sql");
const ERRORS: &str = include_str!("../queries/job_errors.sql");
const PURGE_ERRORS: &str = include_str!("../queries/purge_completed_errors.sql");
const PURGE_EXPIRED_ERRORS: &str = include_str!("../queries/purge_expired_results_errors.sql");
const REQUEST_CANCEL: &str = include_str!("../queries/job_request_cancel.sql");
const SET_PROGRESS: &str = include_str!("../queries/job_set_progress.sql");

/// Runs inside the caller's write transaction.
pub(crate) fn insert_many(conn: &Tx<'_>, jobs: &[&NewJob]) -> TxResult<Vec<String>> {
    let mut insert = conn.prepare(&counts::INSERT)?;
    let mut ids = Vec::with_capacity(jobs.len());
    for job in jobs {
        let inserted = insert
            .execute(params![
                job.id,
                job.queue,
                job.task_name,
                job.priority,
                job.created_at,
                job.scheduled_at,
                job.max_retries,
                job.backoff_ms,
                job.timeout_ms,
                job.unique_key,
                job.metadata,
                job.expires_at,
                job.result_ttl_ms,
                job.payload,
            ])
            .map_err(|e| duplicate_id(e, &job.id))?;
        if inserted == 1 {
            ids.push(job.id.clone());
        } else {
            ids.push(live_holder(conn, job)?);
        }
    }
    Ok(ids)
}

/// The id of the live job that holds `job`'s unique key (the insert was skipped
/// for that key, inside this same transaction, so the holder exists).
fn live_holder(conn: &Connection, job: &NewJob) -> TxResult<String> {
    let key = job
        .unique_key
        .as_deref()
        .ok_or_else(|| TxError::Fail(Error::storage(format!("job {} was not inserted", job.id))))?;
    let holder = conn
        .prepare_cached(LIVE_BY_KEY)?
        .query_row([key], |r| r.get(0))
        .optional()?;
    holder.ok_or_else(|| TxError::Fail(Error::storage(format!("job {} was not inserted", job.id))))
}

fn duplicate_id(e: TxError, id: &str) -> TxError {
    match e {
        TxError::Sql(e) if errors::is_primary_key_conflict(&e) => TxError::Fail(
            Error::InvalidInput(format!("a job with id {id} already exists")),
        ),
        e => e,
    }
}

pub(crate) fn get(conn: &Connection, id: &str) -> TxResult<Option<Job>> {
    Ok(job_queries::GET.job(conn, [id])?)
}

pub(crate) fn list(conn: &Connection, filter: &JobFilter) -> TxResult<Vec<Job>> {
    let limit = rows::sql_limit(filter.limit);
    let offset = i64::from(filter.offset);
    let q = filter.queue.as_deref();
    let t = filter.task_name.as_deref();
    let jobs = match filter.status {
        Some(status) => {
            job_queries::LIST_BY_STATUS.jobs(conn, params![q, t, limit, offset, status.as_str()])?
        }
        None => job_queries::LIST.jobs(conn, params![q, t, limit, offset])?,
    };
    Ok(jobs)
}

pub(crate) fn stats(conn: &Connection) -> TxResult<Stats> {
    let mut stmt = conn.prepare_cached(STATS)?;
    let mut rows = stmt.query([])?;
    let mut stats = Stats::default();
    while let Some(row) = rows.next()? {
        let count: i64 = row.get(1)?;
        stats.add(rows::state_at(row, 0)?, u64::try_from(count).unwrap_or(0));
    }
    Ok(stats)
}

pub(crate) fn queue_depths(conn: &Connection) -> TxResult<Vec<QueueDepth>> {
    let mut stmt = conn.prepare_cached(QUEUE_DEPTHS)?;
    let mut rows = stmt.query([])?;
    let mut counts = Vec::new();
    while let Some(row) = rows.next()? {
        let count: i64 = row.get(2)?;
        counts.push((row.get(0)?, row.get::<_, String>(1)? == "running", count));
    }
    Ok(QueueDepth::collect(counts))
}

pub(crate) fn errors(conn: &Connection, job_id: &str) -> TxResult<Vec<JobErrorRecord>> {
    Ok(conn
        .prepare_cached(ERRORS)?
        .query_map([job_id], job_error_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Cancels a pending job and, transitively, its pending dependents.
pub(crate) fn cancel(tx: &Tx<'_>, id: &str, now: i64) -> TxResult<bool> {
    let dependents: Option<i64> = tx.row(&counts::CANCEL, params![id, now], |r| r.get(0))?;
    match dependents {
        None => Ok(false),
        Some(n) => {
            if n > 0 {
                dependencies::cascade(tx, id, Ended::Cancelled, now)?;
            }
            Ok(true)
        }
    }
}

pub(crate) fn purge_completed(conn: &Tx<'_>, before: i64) -> TxResult<u64> {
    conn.prepare_cached(PURGE_ERRORS)?.execute([before])?;
    let n = conn.execute(&counts::PURGE_COMPLETED, [before])?;
    Ok(n as u64)
}

pub(crate) fn purge_expired_results(conn: &Tx<'_>, now: i64) -> TxResult<u64> {
    conn.prepare_cached(PURGE_EXPIRED_ERRORS)?.execute([now])?;
    let n = conn.execute(&counts::PURGE_EXPIRED_RESULTS, [now])?;
    Ok(n as u64)
}

pub(crate) fn request_cancel(conn: &Connection, id: &str) -> TxResult<bool> {
    Ok(conn.prepare_cached(REQUEST_CANCEL)?.execute([id])? == 1)
}

pub(crate) fn set_progress(
    conn: &Connection,
    id: &str,
    attempt: Option<i32>,
    progress: i32,
) -> TxResult<bool> {
    Ok(conn
        .prepare_cached(SET_PROGRESS)?
        .execute(params![id, progress, attempt])?
        == 1)
}
