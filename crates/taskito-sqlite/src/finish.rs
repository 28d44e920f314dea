//! Writing attempt outcomes back, fenced by attempt. [`kill`] and [`release`]
//! are also how a rescue ends an interrupted attempt.

use rusqlite::{params, Connection, OptionalExtension, Params};
use taskito_core::{new_job_id, FinishReport, JobState, Outcome};

use crate::busy::TxResult;
use crate::counts::{self, Moves};
use crate::dependencies::{self, Ended};

const COMPLETE: &str = include_str!("../queries/finish_complete.sql");
const RETRY: &str = include_str!("../queries/finish_retry.sql");
const DEAD: &str = include_str!("../queries/finish_dead.sql");
const CANCELLED: &str = include_str!("../queries/finish_cancelled.sql");
const RELEASE: &str = include_str!("../queries/finish_release.sql");
const DELAY: &str = include_str!("../queries/finish_delay.sql");
const RECORD_ERROR: &str =
    "INSERT INTO job_errors (job_id, attempt, error, failed_at) VALUES (?1, ?2, ?3, ?4)";
const COPY_TO_DEAD_LETTERS: &str = include_str!("../queries/dead_letter_copy.sql");

/// Runs inside the caller's write transaction (one per batch: group commit).
/// Each update matches only `running` rows with the same attempt; a row count
/// of 0 means a newer attempt (or nobody) holds the job, and nothing else of
/// that outcome is written.
pub(crate) fn finish_many(
    conn: &Connection,
    outcomes: &[Outcome],
    now: i64,
) -> TxResult<FinishReport> {
    let mut report = FinishReport::default();
    // Moves of the outcomes written here (kill and release record their own).
    let mut moves = Moves::default();
    for outcome in outcomes {
        let applied = match outcome {
            Outcome::Complete {
                job_id,
                attempt,
                result,
            } => match ended(conn, COMPLETE, params![job_id, attempt, result, now])? {
                Some(dependents) => {
                    moves.moved(JobState::Running, JobState::Complete, 1);
                    if dependents > 0 {
                        dependencies::release(conn, job_id)?;
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
                let applied = conn
                    .prepare_cached(RETRY)?
                    .execute(params![job_id, attempt, error, run_at])?
                    == 1;
                if applied {
                    moves.moved(JobState::Running, JobState::Pending, 1);
                    record_error(conn, job_id, *attempt, error, now)?;
                }
                applied
            }
            Outcome::Dead {
                job_id,
                attempt,
                error,
            } => kill(conn, job_id, *attempt, error, now)?,
            Outcome::Cancelled {
                job_id,
                attempt,
                error,
            } => match ended(conn, CANCELLED, params![job_id, attempt, error, now])? {
                Some(dependents) => {
                    moves.moved(JobState::Running, JobState::Cancelled, 1);
                    record_error(conn, job_id, *attempt, error, now)?;
                    if dependents > 0 {
                        dependencies::cascade(conn, job_id, Ended::Cancelled, now)?;
                    }
                    true
                }
                None => false,
            },
            Outcome::Release { job_id, attempt } => release(conn, job_id, *attempt)?,
            Outcome::Delay {
                job_id,
                attempt,
                run_at,
            } => {
                let applied = conn
                    .prepare_cached(DELAY)?
                    .execute(params![job_id, attempt, run_at])?
                    == 1;
                if applied {
                    moves.moved(JobState::Running, JobState::Pending, 1);
                }
                applied
            }
        };
        if applied {
            report.applied += 1;
        } else {
            report.fenced += 1;
        }
    }
    moves.write(conn)?;
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
    conn: &Connection,
    job_id: &str,
    attempt: i32,
    error: &str,
    now: i64,
) -> TxResult<bool> {
    let Some(dependents) = ended(conn, DEAD, params![job_id, attempt, error, now])? else {
        return Ok(false);
    };
    counts::moved(conn, JobState::Running, JobState::Dead, 1)?;
    record_error(conn, job_id, attempt, error, now)?;
    conn.prepare_cached(COPY_TO_DEAD_LETTERS)?
        .execute(params![new_job_id(), job_id, now])?;
    if dependents > 0 {
        dependencies::cascade(conn, job_id, Ended::Dead, now)?;
    }
    Ok(true)
}

/// Runs a fenced statement that ends an attempt and returns the job's count
/// of dependents: `None` when fenced.
fn ended(conn: &Connection, sql: &str, params: impl Params) -> TxResult<Option<i64>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params, |r| r.get(0))
        .optional()?)
}

/// Puts a running job back to `pending` at once, fenced, spending nothing.
pub(crate) fn release(conn: &Connection, job_id: &str, attempt: i32) -> TxResult<bool> {
    let released = conn
        .prepare_cached(RELEASE)?
        .execute(params![job_id, attempt])?
        == 1;
    if released {
        counts::moved(conn, JobState::Running, JobState::Pending, 1)?;
    }
    Ok(released)
}
