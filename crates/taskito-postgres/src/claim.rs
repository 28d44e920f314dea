//! Handing ready jobs to a worker under a lease.

use std::cmp::Reverse;

use taskito_core::{new_job_id, ClaimRequest, Job};

use crate::connection::{Tx, TxResult};
use crate::pool::Prior;
use crate::rows;

const EXPIRE: &str = include_str!("../queries/job_expire.sql");
pub(crate) const CLAIM: &str = include_str!("../queries/job_claim.sql");
const CLAIMED_BY_TOKEN: &str = include_str!("../queries/job_claimed_by_token.sql");

/// A value of its own for each claim call, written on the rows it claims.
pub(crate) fn token() -> String {
    new_job_id()
}

/// Runs inside the caller's write transaction. Concurrent claims, in this
/// process or on other hosts, never share a job: each locks the rows it takes
/// and skips rows locked by others (see `queries/job_claim.sql`).
///
/// Pending jobs whose `expires_at` has passed are first marked `failed` with
/// "expired before it could run", as on SQLite.
///
/// After a lost commit ([`Prior::UnknownCommit`]), the jobs that the lost
/// commit claimed under `token` are returned if it did claim any (they are
/// running under this worker's lease: returning nothing would strand them
/// until the lease ran out); otherwise the claim runs again.
pub(crate) fn claim(
    tx: &mut Tx<'_>,
    req: &ClaimRequest,
    token: &str,
    prior: Prior,
) -> TxResult<Vec<Job>> {
    if prior == Prior::UnknownCommit {
        let mut claimed = rows::jobs(&tx.query(CLAIMED_BY_TOKEN, &[&req.worker_id, &token])?)?;
        if !claimed.is_empty() {
            sort_in_claim_order(&mut claimed);
            return Ok(claimed);
        }
    }
    let expired = tx.execute(EXPIRE, &[&req.now])?;
    let lease_end = req.now.saturating_add(req.lease_ms);
    let limit = i64::from(req.limit);
    let found = tx.query(
        CLAIM,
        &[
            &req.worker_id,
            &lease_end,
            &req.now,
            &req.queues,
            &limit,
            &token,
        ],
    )?;
    let mut claimed = rows::jobs(&found)?;
    if expired > 0 || !claimed.is_empty() {
        tx.notify();
    }
    sort_in_claim_order(&mut claimed);
    Ok(claimed)
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
