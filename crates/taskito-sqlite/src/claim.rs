//! Handing ready jobs to a worker under a lease.

use std::cmp::Reverse;

use rusqlite::{params, Connection};
use taskito_core::{ClaimRequest, Job, EXPIRED_ERROR};

use crate::busy::TxResult;
use crate::counts::{self, Tx};
use crate::dependencies::{self, Ended};
use crate::queue_list;

const CLAIMABLE: &str = include_str!("../queries/job_claimable.sql");

/// Whether [`claim`] would find anything to do, read without the write lock.
pub(crate) fn claimable(conn: &Connection, req: &ClaimRequest) -> TxResult<bool> {
    let queues = queue_list::to_json(&req.queues);
    Ok(conn
        .prepare_cached(CLAIMABLE)?
        .query_row(params![req.now, queues], |r| r.get(0))?)
}

/// Runs inside the caller's write transaction, so two claims (in this process
/// or another) serialize on SQLite's write lock and never share a job.
///
/// Pending jobs whose `expires_at` has passed are first ended as
/// `Store::job_claim` says (`failed`, [`EXPIRED_ERROR`]): they can no longer
/// start, and leaving them would keep them at the head of the ready index for
/// every later claim.
pub(crate) fn claim(tx: &Tx<'_>, req: &ClaimRequest) -> TxResult<Vec<Job>> {
    let expired = tx.rows(&counts::EXPIRE, params![req.now, EXPIRED_ERROR], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for (id, dependents) in expired {
        if dependents > 0 {
            dependencies::cascade(tx, &id, Ended::Expired, req.now)?;
        }
    }
    let queues = queue_list::to_json(&req.queues);
    let lease_end = req.now.saturating_add(req.lease_ms);
    let mut jobs = tx.jobs(
        &counts::CLAIM,
        params![
            req.worker_id,
            lease_end,
            req.now,
            queues,
            i64::from(req.limit)
        ],
    )?;
    // RETURNING yields rows in storage order, not in the inner ORDER BY.
    jobs.sort_unstable_by(|a, b| {
        (Reverse(a.priority), a.scheduled_at, &a.id).cmp(&(
            Reverse(b.priority),
            b.scheduled_at,
            &b.id,
        ))
    });
    Ok(jobs)
}
