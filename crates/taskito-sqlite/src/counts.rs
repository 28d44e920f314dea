//! Jobs per state, kept in `job_counts` (migration 0009), so `job_stats` reads
//! six rows instead of walking an index of every job; and the one path by
//! which statements insert, delete or change the status of jobs, which keeps
//! them.
//!
//! Every write runs in a [`Tx`] (`SqliteStore::write` opens it with
//! [`recording`]); a statement that moves jobs is a [`Move`], declared below
//! with the change each row it touches makes, and runs only through
//! [`Tx::execute`], [`Tx::rows`], [`Tx::row`], [`Tx::jobs`] or [`Tx::prepare`],
//! which tally the rows. [`recording`] writes the tally once, just before the commit: one
//! UPDATE per state whose count changed, however many statements and jobs the
//! transaction moved. So no caller can change a status without the counts.
//! The tests (`counts_tests.rs`) fail if a statement in `queries/` (or inline
//! in `src/`) changes jobs' status without being a `Move`, or if another
//! module runs one.
//!
//! Not triggers: a row trigger costs one sub-statement per job, a third of the
//! time of a batch enqueue and a tenth of the worker's. The conformance checks
//! `stats_stay_exact_through_every_transition` and
//! `stats_stay_exact_through_delays_ticks_and_cascades` compare the counts
//! with the jobs after each kind of move.

use std::cell::Cell;
use std::ops::Deref;

use rusqlite::{CachedStatement, Connection, OptionalExtension, Params, Row};
use taskito_core::{Job, JobState};

use crate::busy::TxResult;
use crate::job_queries::JobQuery;

const ADD: &str = "UPDATE job_counts SET n = n + ?2 WHERE status = ?1";

/// What each row a [`Move`] touches does to the counts.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// A new pending job.
    Insert,
    /// A job went from one state to another.
    Move(JobState, JobState),
    /// A job in this state was deleted.
    Delete(JobState),
}

/// A statement that inserts, deletes or changes the status of jobs, with the
/// change every row it touches makes.
pub(crate) struct Move {
    #[cfg_attr(not(test), allow(dead_code))]
    file: &'static str,
    query: JobQuery,
    change: Change,
}

/// Declares one static [`Move`] per query file (and, for the tests, the list).
macro_rules! moves {
    ($($name:ident = $file:literal, $change:expr;)+) => {
        $(
            pub(crate) static $name: Move = Move {
                file: $file,
                query: JobQuery::new(include_str!(concat!("../queries/", $file))),
                change: $change,
            };
        )+

        /// Every statement that moves jobs.
        #[cfg(test)]
        pub(crate) static ALL: &[&Move] = &[$(&$name),+];

        /// The moves that return jobs (`{job_columns}`), with their files.
        #[cfg(test)]
        pub(crate) fn job_queries() -> Vec<(&'static str, &'static JobQuery)> {
            ALL.iter()
                .filter(|m| m.query.returns_jobs())
                .map(|m| (m.file, &m.query))
                .collect()
        }
    };
}

use JobState::{Cancelled, Complete, Dead, Failed, Pending, Running};

moves! {
    INSERT = "job_insert.sql", Change::Insert;
    DEAD_RETRY = "dead_retry.sql", Change::Insert;
    REPLAY = "job_replay.sql", Change::Insert;
    EXPIRE = "job_expire.sql", Change::Move(Pending, Failed);
    CLAIM = "job_claim.sql", Change::Move(Pending, Running);
    CANCEL = "job_cancel.sql", Change::Move(Pending, Cancelled);
    CASCADE = "dependency_cascade.sql", Change::Move(Pending, Cancelled);
    COMPLETE = "finish_complete.sql", Change::Move(Running, Complete);
    RETRY = "finish_retry.sql", Change::Move(Running, Pending);
    DELAY = "finish_delay.sql", Change::Move(Running, Pending);
    RELEASE = "finish_release.sql", Change::Move(Running, Pending);
    KILL = "finish_dead.sql", Change::Move(Running, Dead);
    CANCELLED = "finish_cancelled.sql", Change::Move(Running, Cancelled);
    PURGE_COMPLETED = "purge_completed_jobs.sql", Change::Delete(Complete);
    PURGE_EXPIRED_RESULTS = "purge_expired_results_jobs.sql", Change::Delete(Complete);
}

/// A write transaction that tallies the jobs its [`Move`]s move. It derefs to
/// the connection for every other statement.
pub(crate) struct Tx<'c> {
    conn: &'c Connection,
    tally: Cell<[i64; 6]>,
}

/// Runs `op` in `conn`'s open transaction and writes the counts of what it
/// moved before returning (nothing is written when `op` fails: the caller
/// rolls back).
pub(crate) fn recording<T>(
    conn: &Connection,
    op: impl FnOnce(&Tx<'_>) -> TxResult<T>,
) -> TxResult<T> {
    let tx = Tx {
        conn,
        tally: Cell::new([0; 6]),
    };
    let value = op(&tx)?;
    for (state, delta) in JobState::ALL.into_iter().zip(tx.tally.get()) {
        if delta != 0 {
            conn.prepare_cached(ADD)?.execute((state.as_str(), delta))?;
        }
    }
    Ok(value)
}

impl Deref for Tx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Tx<'_> {
    /// Runs `m` and counts the rows it changed.
    pub(crate) fn execute(&self, m: &Move, params: impl Params) -> TxResult<usize> {
        self.prepare(m)?.execute(params)
    }

    /// `m` prepared once, to run many times in a loop (a batch insert), each
    /// run counted like [`Tx::execute`].
    pub(crate) fn prepare(&self, m: &Move) -> TxResult<Prepared<'_>> {
        Ok(Prepared {
            stmt: self.conn.prepare_cached(m.query.sql())?,
            tx: self,
            change: m.change,
        })
    }

    /// Runs `m`, whose `RETURNING` yields one row per job it changed.
    pub(crate) fn rows<T>(
        &self,
        m: &Move,
        params: impl Params,
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> TxResult<Vec<T>> {
        let rows = self
            .conn
            .prepare_cached(m.query.sql())?
            .query_map(params, read)?
            .collect::<rusqlite::Result<Vec<T>>>()?;
        self.record(m.change, rows.len());
        Ok(rows)
    }

    /// Runs `m`, which changes at most one job and returns a row for it.
    pub(crate) fn row<T>(
        &self,
        m: &Move,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> TxResult<Option<T>> {
        let row = self
            .conn
            .prepare_cached(m.query.sql())?
            .query_row(params, read)
            .optional()?;
        self.record(m.change, usize::from(row.is_some()));
        Ok(row)
    }

    /// Runs `m`, whose `RETURNING {job_columns}` yields each job it changed.
    pub(crate) fn jobs(&self, m: &Move, params: impl Params) -> TxResult<Vec<Job>> {
        let jobs = m.query.jobs(self.conn, params)?;
        self.record(m.change, jobs.len());
        Ok(jobs)
    }

    fn record(&self, change: Change, n: usize) {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        let mut tally = self.tally.get();
        match change {
            Change::Insert => tally[slot(Pending)] += n,
            Change::Move(from, to) => {
                tally[slot(from)] -= n;
                tally[slot(to)] += n;
            }
            Change::Delete(from) => tally[slot(from)] -= n,
        }
        self.tally.set(tally);
    }
}

/// A [`Move`] prepared by [`Tx::prepare`].
pub(crate) struct Prepared<'t> {
    stmt: CachedStatement<'t>,
    tx: &'t Tx<'t>,
    change: Change,
}

impl Prepared<'_> {
    /// Runs the statement and counts the rows it changed.
    pub(crate) fn execute(&mut self, params: impl Params) -> TxResult<usize> {
        let n = self.stmt.execute(params)?;
        self.tx.record(self.change, n);
        Ok(n)
    }
}

/// A state's place in the tally, in the order of [`JobState::ALL`].
fn slot(state: JobState) -> usize {
    match state {
        Pending => 0,
        Running => 1,
        Complete => 2,
        Failed => 3,
        Dead => 4,
        Cancelled => 5,
    }
}

#[cfg(test)]
#[path = "counts_tests.rs"]
mod tests;
