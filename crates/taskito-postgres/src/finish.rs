//! Writing attempt outcomes back, fenced by attempt. [`kill`] and [`release`]
//! are also how a rescue ends an interrupted attempt.

use taskito_core::{new_job_id, FinishReport, Outcome};

use crate::connection::{Conn, Session, Tx, TxResult};
use crate::dependencies::{self, Ended};

const COMPLETE: &str = include_str!("../queries/finish_complete.sql");
/// Completes a batch of jobs and releases their dependents.
pub const COMPLETE_MANY: &str = include_str!("../queries/finish_complete_many.sql");
const RETRY: &str = include_str!("../queries/finish_retry.sql");
const DEAD: &str = include_str!("../queries/finish_dead.sql");
const CANCELLED: &str = include_str!("../queries/finish_cancelled.sql");
const RELEASE: &str = include_str!("../queries/finish_release.sql");
const DELAY: &str = include_str!("../queries/finish_delay.sql");

/// Runs inside the caller's write transaction (one per batch: group commit).
/// Each statement matches only a `running` row with the same attempt; a row
/// count of 0 means a newer attempt (or nobody) holds the job, and nothing
/// else of that outcome is written.
///
/// Outcomes are applied in job id order (stable, so two outcomes of one job
/// keep their order): every batch then locks its rows in the same order, and
/// two batches touching the same jobs cannot deadlock.
///
/// When every outcome is of a different job, the `Complete` ones (the common
/// case) are written by one statement; the others one by one.
///
/// Replaying a batch after a lost commit is harmless: what the lost commit
/// applied is fenced the second time (and then counted as fenced).
pub(crate) fn finish_many(
    tx: &mut Tx<'_>,
    outcomes: &[Outcome],
    now: i64,
) -> TxResult<FinishReport> {
    let mut ordered: Vec<&Outcome> = outcomes.iter().collect();
    ordered.sort_by(|a, b| a.job_id().cmp(b.job_id()));
    let distinct = ordered.windows(2).all(|w| w[0].job_id() != w[1].job_id());
    let mut report = FinishReport::default();
    if distinct {
        let (completes, others): (Vec<&Outcome>, Vec<&Outcome>) = ordered
            .into_iter()
            .partition(|o| matches!(o, Outcome::Complete { .. }));
        if !completes.is_empty() {
            let applied = complete_many(tx, &completes, now)?;
            report.applied += applied;
            report.fenced += completes.len() - applied;
        }
        ordered = others;
    }
    for outcome in ordered {
        let applied = match outcome {
            Outcome::Complete {
                job_id,
                attempt,
                result,
            } => match tx.query_opt(COMPLETE, &[job_id, attempt, result, &now])? {
                Some(row) => {
                    if row.try_get::<_, i32>(0)? > 0 {
                        dependencies::release(tx, &[job_id.as_str()])?;
                    }
                    true
                }
                None => false,
            },
            Outcome::Retry {
                job_id,
                attempt,
                error,
                run_at,
            } => tx.execute(RETRY, &[job_id, attempt, error, run_at, &now])? == 1,
            Outcome::Dead {
                job_id,
                attempt,
                error,
            } => kill(tx, job_id, *attempt, error, now)?,
            Outcome::Cancelled {
                job_id,
                attempt,
                error,
            } => match tx.query_opt(CANCELLED, &[job_id, attempt, error, &now])? {
                Some(row) => {
                    if row.try_get::<_, i32>(0)? > 0 {
                        dependencies::cascade(tx, job_id, Ended::Cancelled, now)?;
                    }
                    true
                }
                None => false,
            },
            Outcome::Release { job_id, attempt } => release(tx, job_id, *attempt)?,
            Outcome::Delay {
                job_id,
                attempt,
                run_at,
            } => tx.execute(DELAY, &[job_id, attempt, run_at])? == 1,
        };
        if applied {
            report.applied += 1;
        } else {
            report.fenced += 1;
        }
    }
    if report.applied > 0 {
        // Wakes workers for retried and released jobs, and result waiters.
        tx.notify();
    }
    Ok(report)
}

/// True when every outcome is a `Complete` of a job of its own: the common
/// batch, which [`complete_alone`] writes with one statement.
pub(crate) fn only_distinct_completes(outcomes: &[Outcome]) -> bool {
    let mut ids: Vec<&str> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Outcome::Complete { job_id, .. } => ids.push(job_id),
            _ => return false,
        }
    }
    ids.sort_unstable();
    ids.windows(2).all(|w| w[0] != w[1])
}

/// Writes a batch of [`only_distinct_completes`] with one statement on its
/// own (one round trip, no BEGIN or COMMIT); returns the report and whether
/// anything changed. Replaying it after a lost connection is harmless, as for
/// [`finish_many`].
pub(crate) fn complete_alone(
    conn: &mut Conn,
    outcomes: &[Outcome],
    now: i64,
) -> TxResult<(FinishReport, bool)> {
    let completes: Vec<&Outcome> = outcomes.iter().collect();
    let applied = complete_many(&mut conn.session(), &completes, now)?;
    let report = FinishReport {
        applied,
        fenced: outcomes.len() - applied,
    };
    Ok((report, applied > 0))
}

/// Writes Complete outcomes of distinct jobs; returns how many applied.
fn complete_many(session: &mut Session<'_>, completes: &[&Outcome], now: i64) -> TxResult<usize> {
    let mut ids = Vec::with_capacity(completes.len());
    let mut attempts = Vec::with_capacity(completes.len());
    let mut results: Vec<Option<&[u8]>> = Vec::with_capacity(completes.len());
    for outcome in completes {
        if let Outcome::Complete {
            job_id,
            attempt,
            result,
        } = outcome
        {
            ids.push(job_id.as_str());
            attempts.push(*attempt);
            results.push(result.as_deref());
        }
    }
    let Some(row) = session.query_opt(COMPLETE_MANY, &[&ids, &attempts, &results, &now])? else {
        return Ok(0);
    };
    let applied: i64 = row.try_get(0)?;
    let (edges, seen): (i64, i64) = (row.try_get(1)?, row.try_get(2)?);
    if edges != seen {
        // Dependents inserted while this statement waited for their
        // dependency's row: outside its snapshot, so recounted now.
        let parents: Vec<String> = row.try_get(3)?;
        dependencies::recount(session, &parents)?;
    }
    Ok(usize::try_from(applied).unwrap_or(usize::MAX))
}

/// Ends an attempt for good, fenced: the job becomes `dead` with `error`, the
/// attempt is recorded in `job_errors` and the job is copied to the dead
/// letters, in one statement; its pending dependents are cancelled. Returns false (and writes nothing) when the
/// attempt no longer holds the job.
pub(crate) fn kill(
    tx: &mut Tx<'_>,
    job_id: &str,
    attempt: i32,
    error: &str,
    now: i64,
) -> TxResult<bool> {
    let letter = new_job_id();
    let Some(row) = tx.query_opt(DEAD, &[&job_id, &attempt, &error, &now, &letter])? else {
        return Ok(false);
    };
    if row.try_get::<_, i32>(0)? > 0 {
        dependencies::cascade(tx, job_id, Ended::Dead, now)?;
    }
    Ok(true)
}

/// Puts a running job back to `pending` at once, fenced, spending nothing.
pub(crate) fn release(tx: &mut Tx<'_>, job_id: &str, attempt: i32) -> TxResult<bool> {
    Ok(tx.execute(RELEASE, &[&job_id, &attempt])? == 1)
}
