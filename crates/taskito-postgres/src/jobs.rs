//! Reading, listing, counting, cancelling and purging jobs; cancel requests
//! and progress of running jobs.

use taskito_core::{Job, JobErrorRecord, JobFilter, QueueDepth, Stats};

use crate::connection::{Conn, Tx, TxResult};
use crate::dependencies::{self, Ended};
use crate::job_queries::{GET, LIST, LIST_BY_STATUS};
use crate::pool::Prior;
use crate::rows;

const STATS: &str = include_str!("../queries/job_counts.sql");
const FOLD_COUNTS: &str = include_str!("../queries/job_counts_fold.sql");
const QUEUE_DEPTHS: &str = include_str!("../queries/queue_depths.sql");
const ERRORS: &str = include_str!("../queries/job_errors.sql");
const CANCEL: &str = include_str!("../queries/job_cancel.sql");
const CANCELLED_AT: &str = include_str!("../queries/job_cancelled_at.sql");
const REQUEST_CANCEL: &str = include_str!("../queries/job_request_cancel.sql");
const SET_PROGRESS: &str = include_str!("../queries/job_set_progress.sql");
const PURGE_COMPLETED: &str = include_str!("../queries/purge_completed.sql");
const PURGE_EXPIRED_RESULTS: &str = include_str!("../queries/purge_expired_results.sql");

pub(crate) fn get(conn: &mut Conn, id: &str) -> TxResult<Option<Job>> {
    conn.query_opt(GET.sql(), &[&id])?
        .map(|row| GET.job(&row))
        .transpose()
}

pub(crate) fn list(conn: &mut Conn, filter: &JobFilter) -> TxResult<Vec<Job>> {
    let limit = rows::sql_limit(filter.limit);
    let offset = i64::from(filter.offset);
    let q = filter.queue.as_deref();
    let t = filter.task_name.as_deref();
    let (query, found) = match filter.status {
        Some(status) => (
            &LIST_BY_STATUS,
            conn.query(
                LIST_BY_STATUS.sql(),
                &[&q, &t, &limit, &offset, &status.as_str()],
            )?,
        ),
        None => (&LIST, conn.query(LIST.sql(), &[&q, &t, &limit, &offset])?),
    };
    query.jobs(&found)
}

/// Folds the job-count deltas the triggers appended into `job_counts` (one
/// statement, so it commits on its own).
pub(crate) fn fold_counts(conn: &mut Conn) -> TxResult<()> {
    conn.session().execute(FOLD_COUNTS, &[])?;
    Ok(())
}

pub(crate) fn stats(conn: &mut Conn) -> TxResult<Stats> {
    let mut stats = Stats::default();
    for row in conn.query(STATS, &[])? {
        let count: i64 = row.try_get(1)?;
        stats.add(rows::state(&row, 0)?, u64::try_from(count).unwrap_or(0));
    }
    Ok(stats)
}

pub(crate) fn queue_depths(conn: &mut Conn) -> TxResult<Vec<QueueDepth>> {
    let mut counts = Vec::new();
    for row in conn.query(QUEUE_DEPTHS, &[])? {
        let status: String = row.try_get(1)?;
        counts.push((
            row.try_get(0)?,
            status == "running",
            row.try_get::<_, i64>(2)?,
        ));
    }
    Ok(QueueDepth::collect(counts))
}

pub(crate) fn errors(conn: &mut Conn, job_id: &str) -> TxResult<Vec<JobErrorRecord>> {
    conn.query(ERRORS, &[&job_id])?
        .iter()
        .map(rows::job_error)
        .collect()
}

/// Runs inside the caller's write transaction. After a lost commit, a job
/// already cancelled at exactly `now` counts as cancelled by this call.
pub(crate) fn cancel(tx: &mut Tx<'_>, id: &str, now: i64, prior: Prior) -> TxResult<bool> {
    if let Some(row) = tx.query_opt(CANCEL, &[&id, &now])? {
        if row.try_get::<_, i32>(0)? > 0 {
            dependencies::cascade(tx, id, Ended::Cancelled, now)?;
        }
        tx.notify();
        return Ok(true);
    }
    Ok(prior == Prior::UnknownCommit && tx.query_opt(CANCELLED_AT, &[&id, &now])?.is_some())
}

pub(crate) fn request_cancel(tx: &mut Tx<'_>, id: &str) -> TxResult<bool> {
    Ok(tx.execute(REQUEST_CANCEL, &[&id])? == 1)
}

pub(crate) fn set_progress(
    tx: &mut Tx<'_>,
    id: &str,
    attempt: Option<i32>,
    progress: i32,
) -> TxResult<bool> {
    Ok(tx.execute(SET_PROGRESS, &[&id, &progress, &attempt])? == 1)
}

pub(crate) fn purge_completed(tx: &mut Tx<'_>, before: i64) -> TxResult<u64> {
    count(tx, PURGE_COMPLETED, before)
}

pub(crate) fn purge_expired_results(tx: &mut Tx<'_>, now: i64) -> TxResult<u64> {
    count(tx, PURGE_EXPIRED_RESULTS, now)
}

fn count(tx: &mut Tx<'_>, sql: &'static str, time: i64) -> TxResult<u64> {
    let n: i64 = tx
        .query(sql, &[&time])?
        .first()
        .map_or(Ok(0), |r| r.try_get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}
