//! Waiting out other connections and processes that hold the database, so
//! that "database is locked" never reaches a user.
//!
//! Two layers share one deadline. Inside SQLite, a busy handler retries the
//! lock every few milliseconds (SQLite's own `busy_timeout` backs off to
//! 100 ms sleeps, which wastes most of the time a contended lock is free).
//! Around it, [`with_retry`] reruns the whole operation when SQLite still
//! reports busy (it does so without calling the handler in some cases, e.g.
//! while another process recovers the WAL) and turns the final failure into
//! [`taskito_core::Error::Busy`].
//!
//! A memory database (`SqliteStore::open(":memory:")`) is one shared cache for
//! all the store's connections, locked table by table: a reader and the writer
//! touching the same table get `SQLITE_LOCKED_SHAREDCACHE` ("database table is
//! locked") at once, never the busy handler. [`with_retry`] reruns those too,
//! with a shorter first pause (the holder is a thread of this process, in a
//! transaction of microseconds). Readers do not use `read_uncommitted`, which
//! would spare them the wait: they would then see the writer's uncommitted,
//! possibly rolled-back rows, which a file store never shows them.

use std::cell::Cell;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use taskito_core::Error;

use crate::errors;

/// An operation's failure: SQLite's, which may be retried when it is lock
/// contention, or an answer of the operation itself (unknown id...), which
/// rolls the transaction back and is returned as is.
#[derive(Debug)]
pub(crate) enum TxError {
    Sql(rusqlite::Error),
    Fail(Error),
}

impl From<rusqlite::Error> for TxError {
    fn from(e: rusqlite::Error) -> Self {
        TxError::Sql(e)
    }
}

pub(crate) type TxResult<T> = Result<T, TxError>;

/// How long SQLite's busy handler waits on its own when no operation deadline
/// is set (while opening a connection), in handler calls of a few ms each.
const UNSCOPED_HANDLER_CALLS: i32 = 1_000;

/// Pauses between reruns while another process holds the file.
const BUSY_FIRST_PAUSE: Duration = Duration::from_micros(500);
const BUSY_LONGEST_PAUSE: Duration = Duration::from_millis(20);
/// Pauses between reruns while another connection of this process holds a
/// table of a shared-cache (memory) database.
const LOCKED_FIRST_PAUSE: Duration = Duration::from_micros(20);
const LOCKED_LONGEST_PAUSE: Duration = Duration::from_millis(1);

/// `SQLITE_LOCKED` and its extended codes (`SQLITE_LOCKED_SHAREDCACHE`): a
/// table lock of a shared cache, held by a connection of this process.
fn is_table_lock(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseLocked)
}

thread_local! {
    /// The deadline of the operation this thread is running. The busy handler
    /// is a plain `fn` without state, so this is how it learns the budget.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// SQLite's busy handler, installed on every connection: sleep briefly and try
/// again until the current operation's deadline.
pub(crate) fn busy_handler(calls: i32) -> bool {
    let keep_waiting = match DEADLINE.with(Cell::get) {
        Some(deadline) => Instant::now() < deadline,
        None => calls < UNSCOPED_HANDLER_CALLS,
    };
    if keep_waiting {
        let ms = match calls {
            0..=9 => 1,
            10..=49 => 2,
            _ => 5,
        };
        thread::sleep(Duration::from_millis(ms));
    }
    keep_waiting
}

/// Runs `op` until it succeeds, fails for another reason than lock contention,
/// or `budget` is spent. `op` must be safe to run again after a rollback.
pub(crate) fn with_retry<T>(
    path: &Path,
    budget: Duration,
    mut op: impl FnMut() -> TxResult<T>,
) -> Result<T, Error> {
    let started = Instant::now();
    let deadline = started + budget;
    let previous = DEADLINE.with(|d| d.replace(Some(deadline)));
    let mut pause: Option<Duration> = None;
    let outcome = loop {
        match op() {
            Ok(v) => break Ok(v),
            Err(TxError::Fail(e)) => break Err(e),
            Err(TxError::Sql(e)) if errors::is_busy(&e) => {
                let now = Instant::now();
                if now >= deadline {
                    let waited =
                        u64::try_from(now.duration_since(started).as_millis()).unwrap_or(u64::MAX);
                    break Err(errors::busy_timeout(path, waited, e));
                }
                let (first, longest) = if is_table_lock(&e) {
                    (LOCKED_FIRST_PAUSE, LOCKED_LONGEST_PAUSE)
                } else {
                    (BUSY_FIRST_PAUSE, BUSY_LONGEST_PAUSE)
                };
                let current = pause.unwrap_or(first).min(longest);
                // Jitter so that processes that collided do not collide again.
                let jittered = current.mul_f64(0.5 + fastrand::f64());
                thread::sleep(jittered.min(deadline - now));
                pause = Some((current * 2).min(longest));
            }
            Err(TxError::Sql(e)) => break Err(errors::to_core(e, path)),
        }
    };
    DEADLINE.with(|d| d.set(previous));
    outcome
}
