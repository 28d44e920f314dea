//! [`SqliteStore`]: the connections and the transaction discipline; its
//! [`Store`] methods are in `store/methods.rs`.

mod methods;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use taskito_core::{Error, Result};

use crate::busy::{self, TxResult};
use crate::connection::{self, Database, Role};
use crate::counts::{self, Tx};
use crate::file_identity::FileIdentity;
use crate::pool::ReaderPool;
use crate::{errors, migrations, SqliteOptions};

/// Readers beyond the writer: enough for a dashboard, result polling and the
/// engine's own reads to proceed side by side on a small machine.
const READERS: usize = 3;

/// A taskito store in one SQLite file, shareable between threads (it is `Sync`)
/// and between processes that open the same path; or, opened on `":memory:"`,
/// in a memory database of its own that only its threads reach.
///
/// Where the [`Store`] docs leave room, this store:
/// - never shortens a lease in [`Store::worker_heartbeat`];
/// - keeps `retry_count` unchanged on a `Dead` outcome (the dead letter records
///   the retries spent before it);
/// - refuses a job id that already exists with [`Error::InvalidInput`] (the
///   whole batch is rolled back);
/// - refuses every write with [`Error::ReadOnly`] once the file was deleted or
///   replaced behind its back;
/// - quarantines a rescued job once its `crash_count` is at least
///   `max_crashes` (so a `max_crashes` of 1 or less quarantines at the first
///   crash), recording the error under the interrupted attempt;
/// - keeps `cancel_requested` set when a job is rescued or released (the next
///   attempt sees the request), and keeps `retry_count` on a `Cancelled` outcome;
/// - gives a replay no unique key and no `expires_at`, and writes its metadata
///   as `{"replayed_from": "<id>"}` with the id JSON-escaped;
/// - keeps replay history rows when the jobs they name are purged (their
///   errors then read as `None`).
pub struct SqliteStore {
    path: PathBuf,
    file: FileIdentity,
    budget: Duration,
    /// The only connection that writes. Every write is one `BEGIN IMMEDIATE`
    /// transaction, so a transaction never has to upgrade a read lock to a
    /// write lock (which is where "database is locked" comes from).
    writer: Mutex<Connection>,
    readers: ReaderPool,
    /// Only ever asked `PRAGMA data_version`, which changes when a connection
    /// other than this one commits (our own writer included).
    marker: Mutex<Connection>,
    /// The last claim filled its whole limit, so the next one very likely finds
    /// work too: it skips the read that spares idle workers the write lock.
    claims_full: AtomicBool,
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database at `path`
    /// and brings its schema up to date.
    ///
    /// `":memory:"` opens a new database in memory, private to this store (two
    /// stores opened on `":memory:"` never share) and shared by all of its
    /// connections. It lives as long as the store and is only reachable from
    /// this process.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an empty path or a `file:` URI (a path is a
    /// file name; SQLite would read that one as options),
    /// [`Error::Corrupt`] for a file that is not a database, and the other
    /// storage errors when the file cannot be opened or written.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(Error::InvalidInput(
                "an empty path names no database; use a file path (or \":memory:\" for a \
                 database inside this process)"
                    .to_owned(),
            ));
        }
        if path.as_os_str().as_encoded_bytes().starts_with(b"file:") {
            return Err(Error::InvalidInput(format!(
                "{} reads as an SQLite URI, which taskito does not take; use a file path \
                 (or \":memory:\" for a database inside this process)",
                path.display()
            )));
        }
        if path.as_os_str() == connection::MEMORY_PATH {
            let db = Database::new_memory();
            let writer = connection::open(&db, &options, Role::Writer)?;
            return Self::assemble(db, writer, &options);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| errors::from_io(e, dir))?;
        }
        let writer = connection::open(&Database::File(path.to_owned()), &options, Role::Writer)?;
        // Readers open later; an absolute path keeps them on this file even if
        // the process changes its working directory in between.
        let path = std::fs::canonicalize(path).map_err(|e| errors::from_io(e, path))?;
        Self::assemble(Database::File(path), writer, &options)
    }

    /// The store around its freshly opened writer: schema, change marker, readers.
    /// (For a memory database the writer is also what keeps it alive: it stays
    /// open until the store is dropped, whether or not any reader is open.)
    fn assemble(db: Database, mut writer: Connection, options: &SqliteOptions) -> Result<Self> {
        let path = db.label().to_owned();
        let file = FileIdentity::of(&db)?;
        migrations::apply(&mut writer, &path, options)?;
        let marker = connection::open(&db, options, Role::Reader)?;
        Ok(Self {
            file,
            budget: Duration::from_millis(options.busy_wait_ms),
            writer: Mutex::new(writer),
            readers: ReaderPool::new(db, *options, READERS),
            marker: Mutex::new(marker),
            claims_full: AtomicBool::new(false),
            path,
        })
    }

    /// The database file, as an absolute path (`:memory:` for a memory database).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` in one `BEGIN IMMEDIATE` transaction on the writer, rerun from
    /// the start while other processes hold the lock. The transaction records
    /// the jobs it moves in `job_counts` before it commits (`counts::recording`).
    fn write<T>(&self, mut op: impl FnMut(&Tx<'_>) -> TxResult<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        self.file.check()?;
        busy::with_retry(&self.path, self.budget, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = counts::recording(&tx, &mut op)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Runs `op` on a pooled reader; a single statement reads one snapshot.
    fn read<T>(&self, mut op: impl FnMut(&Connection) -> TxResult<T>) -> Result<T> {
        let conn = self.readers.get()?;
        busy::with_retry(&self.path, self.budget, || op(&conn))
    }
}

/// A panic while a connection was borrowed leaves it usable: its transaction
/// was rolled back when the `Transaction` was dropped.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
