//! Handing ready jobs to a worker under a lease.

use std::cmp::Reverse;

use taskito_core::{new_job_id, ClaimRequest, Job, EXPIRED_ERROR};

use crate::connection::{Conn, TxResult};
use crate::job_queries::{CLAIM, CLAIMED_BY_TOKEN};
use crate::pool::Prior;

/// A value of its own for each claim call, written on the rows it claims.
pub(crate) fn token() -> String {
    new_job_id()
}

/// One statement on its own (see `queries/job_claim.sql`); returns the
/// claimed jobs and whether anything changed (jobs claimed or expired).
/// Concurrent claims, in this process or on other hosts, never share a job:
/// each locks the rows it takes and skips rows locked by others.
///
/// Pending jobs whose `expires_at` has passed end as `Store::job_claim`
/// says (`failed`, [`EXPIRED_ERROR`]), except those that have dependents:
/// they are put in `expired_parents`, and the caller expires them and cancels
/// their dependents in one transaction.
///
/// When the connection is lost during the statement, whether it committed is
/// unknown ([`Prior::UnknownCommit`]): the jobs that it claimed under `token`
/// are then returned if it did claim any (they are running under this
/// worker's lease: returning nothing would strand them until the lease ran
/// out); otherwise the claim runs again.
pub(crate) fn claim(
    conn: &mut Conn,
    req: &ClaimRequest,
    token: &str,
    prior: Prior,
    expired_parents: &mut Vec<String>,
) -> TxResult<(Vec<Job>, bool)> {
    if prior == Prior::UnknownCommit {
        let found = conn.query(CLAIMED_BY_TOKEN.sql(), &[&req.worker_id, &token])?;
        let mut claimed = CLAIMED_BY_TOKEN.jobs(&found)?;
        if !claimed.is_empty() {
            sort_in_claim_order(&mut claimed);
            return Ok((claimed, true));
        }
    }
    let lease_end = req.now.saturating_add(req.lease_ms);
    let limit = i64::from(req.limit);
    let found = conn.query(
        CLAIM.sql(),
        &[
            &req.worker_id,
            &lease_end,
            &req.now,
            &req.queues,
            &limit,
            &token,
            &EXPIRED_ERROR,
        ],
    )?;
    let mut expired = 0_i64;
    let mut claimed = Vec::with_capacity(found.len());
    for row in &found {
        expired = row.try_get("expired")?;
        if let Some(parents) = row.try_get::<_, Option<Vec<String>>>("ids")? {
            *expired_parents = parents;
        }
        if row.try_get::<_, Option<&str>>("id")?.is_some() {
            claimed.push(CLAIM.job(row)?);
        }
    }
    sort_in_claim_order(&mut claimed);
    let changed = expired > 0 || !claimed.is_empty();
    Ok((claimed, changed))
}

/// RETURNING yields rows in no particular order.
fn sort_in_claim_order(jobs: &mut [Job]) {
    jobs.sort_unstable_by(|a, b| {
        (Reverse(a.priority), a.scheduled_at, &a.id).cmp(&(
            Reverse(b.priority),
            b.scheduled_at,
            &b.id,
        ))
    });
}
