//! Opening and configuring one connection to the database: a file, or one
//! in-memory database shared by the connections of one store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use taskito_core::Error;

use crate::busy::{self, TxError, TxResult};
use crate::{errors, SqliteOptions};

/// Enough for every statement the writer prepares, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 64;

/// What a memory store calls itself in messages (`SqliteStore::path`).
pub(crate) const MEMORY_PATH: &str = ":memory:";

/// What a connection is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The one connection that writes; it also switches the file to WAL.
    Writer,
    /// Reads only; `query_only` guards against a write slipping in.
    Reader,
}

/// The database every connection of one store opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Database {
    /// A file, by its path (never parsed as a URI).
    File(PathBuf),
    /// A named shared-cache memory database of this process
    /// (`file:taskito-<n>-<random>?mode=memory&cache=shared`): the one URI that
    /// all of a store's connections open, so they see one database. SQLite
    /// frees it when its last connection closes; the store's writer stays open
    /// for the store's whole life, so it lives exactly as long as the store.
    Memory(String),
}

impl Database {
    /// A new memory database, named so that no other store of this process
    /// (nor anything else in it using shared-cache names) opens it too.
    pub(crate) fn new_memory() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Database::Memory(format!(
            "file:taskito-{n}-{:016x}?mode=memory&cache=shared",
            fastrand::u64(..)
        ))
    }

    pub(crate) fn is_memory(&self) -> bool {
        matches!(self, Database::Memory(_))
    }

    /// The name errors and messages show: the path, or `:memory:`.
    pub(crate) fn label(&self) -> &Path {
        match self {
            Database::File(path) => path,
            Database::Memory(_) => Path::new(MEMORY_PATH),
        }
    }
}

pub(crate) fn open(
    db: &Database,
    options: &SqliteOptions,
    role: Role,
) -> Result<Connection, Error> {
    let label = db.label();
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match db {
        Database::File(path) => {
            // No URI flag: a path is a file name (`SqliteStore::open` refuses
            // one that SQLite would read as a URI), so every connection is
            // guaranteed to see the same file. Only the writer creates the
            // file: a reader opened later on a path whose file was deleted
            // must fail, not see a new empty database.
            if role == Role::Writer {
                flags |= OpenFlags::SQLITE_OPEN_CREATE;
            }
            Connection::open_with_flags(path, flags)
        }
        Database::Memory(uri) => {
            // The writer opens first and stays open, so a reader always
            // attaches to the existing database; CREATE only matters for the
            // writer, but is harmless for a memory database.
            flags |= OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_CREATE;
            Connection::open_with_flags(uri, flags)
        }
    }
    .map_err(|e| errors::to_core(e, label))?;
    conn.busy_handler(Some(busy::busy_handler))
        .map_err(|e| errors::to_core(e, label))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let budget = Duration::from_millis(options.busy_wait_ms);
    busy::with_retry(label, budget, || {
        configure(&conn, options, role, label, db.is_memory())
    })?;
    Ok(conn)
}

fn configure(
    conn: &Connection,
    options: &SqliteOptions,
    role: Role,
    path: &Path,
    memory: bool,
) -> busy::TxResult<()> {
    if role == Role::Writer {
        if memory {
            // WAL, its size limit and `synchronous` are about files; a memory
            // database keeps its pages in the (shared) cache whatever its size.
        } else {
            // Reading the result also surfaces "file is not a database" right away.
            let mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(TxError::Fail(Error::storage(format!(
                    "{}: cannot use write-ahead logging (journal mode stayed {mode}); \
                     the file system may not support shared memory",
                    path.display()
                ))));
            }
            // Keep the WAL file from staying huge after a burst.
            conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
            // The writer touches the hot index pages of every claim and finish;
            // a bigger cache than the 2 MB default keeps them in memory. (In KiB.)
            conn.pragma_update(None, "cache_size", -32_000)?;
        }
    } else {
        conn.pragma_update(None, "query_only", true)?;
        // Touch the file so a reader on a damaged file fails at open too.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    }
    if !memory {
        let sync = if options.durable { "FULL" } else { "NORMAL" };
        conn.pragma_update(None, "synchronous", sync)?;
    }
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// `PRAGMA data_version`: changes when a connection other than `conn` commits.
///
/// On a memory database it is always 0: only this process can reach it, and
/// every commit made here already wakes what it concerns, so there is no other
/// process's commit to notice.
pub(crate) fn data_version(conn: &Connection) -> TxResult<u64> {
    // SQLite names no file for a memory database.
    if matches!(conn.path(), None | Some("")) {
        return Ok(0);
    }
    let version: i64 = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?;
    // data_version is a small positive counter.
    Ok(u64::try_from(version).unwrap_or_default())
}
