//! Opening and configuring one connection to the database file.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use taskito_core::Error;

use crate::busy::{self, TxError, TxResult};
use crate::{errors, SqliteOptions};

/// Enough for every statement the writer prepares, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 64;

/// What a connection is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The one connection that writes; it also switches the file to WAL.
    Writer,
    /// Reads only; `query_only` guards against a write slipping in.
    Reader,
}

pub(crate) fn open(path: &Path, options: &SqliteOptions, role: Role) -> Result<Connection, Error> {
    // No URI parsing: a path is a file name, never `file::memory:` or an
    // option string, so every connection is guaranteed to see the same file.
    // Only the writer creates the file: a reader opened later on a path whose
    // file was deleted must fail, not see a new empty database.
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if role == Role::Writer {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| errors::to_core(&e, path))?;
    conn.busy_handler(Some(busy::busy_handler))
        .map_err(|e| errors::to_core(&e, path))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let budget = Duration::from_millis(options.busy_wait_ms);
    busy::with_retry(path, budget, || configure(&conn, options, role, path))?;
    Ok(conn)
}

fn configure(
    conn: &Connection,
    options: &SqliteOptions,
    role: Role,
    path: &Path,
) -> busy::TxResult<()> {
    if role == Role::Writer {
        // Reading the result also surfaces "file is not a database" right away.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "wal", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(TxError::Fail(Error::Storage(format!(
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
    } else {
        conn.pragma_update(None, "query_only", true)?;
        // Touch the file so a reader on a damaged file fails at open too.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    }
    let sync = if options.durable { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// `PRAGMA data_version`: changes when a connection other than `conn` commits.
pub(crate) fn data_version(conn: &Connection) -> TxResult<u64> {
    let version: i64 = conn
        .prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))?;
    // data_version is a small positive counter.
    Ok(u64::try_from(version).unwrap_or_default())
}
