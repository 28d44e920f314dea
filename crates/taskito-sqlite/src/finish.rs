//! Writing attempt outcomes back, fenced by attempt. [`kill`] and [`release`]
//! are also how a rescue ends an interrupted attempt.

use rusqlite::{params, Connection};
use taskito_core::{new_job_id, FinishReport, Outcome};

use crate::busy::TxResult;
use crate::counts::{self, Tx};
use crate::dependencies::{self, Ended};

const RECORD_ERROR: &str =
    "INSERT INTO job_errors (job_id, attempt, error, failed_at) VALUES (?1, ?2, ?3, ?4)";
const COPY_TO_DEAD_LETTERS: &str = include_str!("../queries/dead_letter_copy.sql");

/// Runs inside the caller's write transaction (one per batch: group commit).
/// Each update matches only `running` rows with the same attempt; a row count
/// of 0 means a newer attempt (or nobody) holds the job, and nothing else of
/// that outcome is written.
pub(crate) fn finish_many(tx: &Tx<'_>, outcomes: &[Outcome], now: i64) -> TxResult<FinishReport> {
    let mut report = FinishReport::default();
    for outcome in outcomes {
        let applied = match outcome {
            Outcome::Complete {
                job_id,
                attempt,
                result,
            } => match ended(tx, &counts::COMPLETE, params![job_id, attempt, result, now])? {
                Some(dependents) => {
                    if dependents > 0 {
                        dependencies::release(tx, job_id)?;
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
            } => {
                let applied =
                    tx.execute(&counts::RETRY, params![job_id, attempt, error, run_at])? == 1;
                if applied {
                    record_error(tx, job_id, *attempt, error, now)?;
                }
                applied
            }
            Outcome::Dead {
                job_id,
                attempt,
                error,
            } => kill(tx, job_id, *attempt, error, now)?,
            Outcome::Cancelled {
                job_id,
                attempt,
                error,
            } => match ended(tx, &counts::CANCELLED, params![job_id, attempt, error, now])? {
                Some(dependents) => {
                    record_error(tx, job_id, *attempt, error, now)?;
                    if dependents > 0 {
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
            } => tx.execute(&counts::DELAY, params![job_id, attempt, run_at])? == 1,
        };
        if applied {
            report.applied += 1;
        } else {
            report.fenced += 1;
        }
    }
    Ok(report)
}

fn record_error(
    conn: &Connection,
    job_id: &str,
    attempt: i32,
    error: &str,
    now: i64,
) -> TxResult<()> {
    conn.prepare_cached(RECORD_ERROR)?
        .execute(params![job_id, attempt, error, now])?;
    Ok(())
}

/// Ends an attempt for good, fenced: the job becomes `dead` with `error`, the
/// attempt is recorded in `job_errors` and the job is copied to the dead
/// letters. Returns false (and writes nothing) when the attempt no longer
/// holds the job.
pub(crate) fn kill(
    tx: &Tx<'_>,
    job_id: &str,
    attempt: i32,
    error: &str,
    now: i64,
) -> TxResult<bool> {
    let Some(dependents) = ended(tx, &counts::KILL, params![job_id, attempt, error, now])? else {
        return Ok(false);
    };
    record_error(tx, job_id, attempt, error, now)?;
    tx.prepare_cached(COPY_TO_DEAD_LETTERS)?
        .execute(params![new_job_id(), job_id, now])?;
    if dependents > 0 {
        dependencies::cascade(tx, job_id, Ended::Dead, now)?;
    }
    Ok(true)
}

/// Runs a fenced statement that ends an attempt and returns the job's count
/// of dependents: `None` when fenced.
fn ended(tx: &Tx<'_>, m: &counts::Move, params: impl rusqlite::Params) -> TxResult<Option<i64>> {
    tx.row(m, params, |r| r.get(0))
}

/// Puts a running job back to `pending` at once, fenced, spending nothing.
pub(crate) fn release(tx: &Tx<'_>, job_id: &str, attempt: i32) -> TxResult<bool> {
    Ok(tx.execute(&counts::RELEASE, params![job_id, attempt])? == 1)
}
