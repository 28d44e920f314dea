//! Jobs per state, kept in `job_counts` (migration 0009) by the code that
//! moves jobs, so `job_stats` reads six rows instead of walking an index of
//! every job.
//!
//! Not triggers: a row trigger costs one sub-statement per job, a third of the
//! time of a batch enqueue and a tenth of the worker's; here a batch costs one
//! UPDATE per state it touches. Every statement that inserts, deletes or
//! changes the status of jobs must record what it did here, in the same
//! transaction (the conformance check `stats_stay_exact_through_every_transition`
//! compares the counts with the jobs after each kind of move).

use rusqlite::Connection;
use taskito_core::JobState;

use crate::busy::TxResult;

const ADD: &str = "UPDATE job_counts SET n = n + ?2 WHERE status = ?1";

const STATES: [JobState; 6] = [
    JobState::Pending,
    JobState::Running,
    JobState::Complete,
    JobState::Failed,
    JobState::Dead,
    JobState::Cancelled,
];

/// Changes to the counts, gathered over a batch and written at once.
#[derive(Debug, Default)]
pub(crate) struct Moves([i64; 6]);

impl Moves {
    /// `n` jobs went from `from` to `to`.
    pub(crate) fn moved(&mut self, from: JobState, to: JobState, n: usize) {
        self.0[slot(from)] -= signed(n);
        self.0[slot(to)] += signed(n);
    }

    /// Writes the changes: one UPDATE per state whose count changed.
    pub(crate) fn write(&self, conn: &Connection) -> TxResult<()> {
        for (&state, &n) in STATES.iter().zip(&self.0) {
            add(conn, state, n)?;
        }
        Ok(())
    }
}

/// Records that `n` jobs went from `from` to `to`.
pub(crate) fn moved(conn: &Connection, from: JobState, to: JobState, n: usize) -> TxResult<()> {
    add(conn, from, -signed(n))?;
    add(conn, to, signed(n))
}

/// Records `n` new pending jobs.
pub(crate) fn inserted(conn: &Connection, n: usize) -> TxResult<()> {
    add(conn, JobState::Pending, signed(n))
}

/// Records that `n` complete jobs were deleted.
pub(crate) fn purged(conn: &Connection, n: usize) -> TxResult<()> {
    add(conn, JobState::Complete, -signed(n))
}

fn add(conn: &Connection, state: JobState, delta: i64) -> TxResult<()> {
    if delta != 0 {
        conn.prepare_cached(ADD)?.execute((state.as_str(), delta))?;
    }
    Ok(())
}

fn slot(state: JobState) -> usize {
    match state {
        JobState::Pending => 0,
        JobState::Running => 1,
        JobState::Complete => 2,
        JobState::Failed => 3,
        JobState::Dead => 4,
        JobState::Cancelled => 5,
    }
}

fn signed(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
