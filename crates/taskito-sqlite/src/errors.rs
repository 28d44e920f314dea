//! The one place where SQLite errors become [`taskito_core::Error`]s.

use std::path::Path;

use rusqlite::ErrorCode;
use taskito_core::{Cause, Error};

/// Lock contention that goes away by waiting: the caller retries the whole
/// transaction.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// An insert hit an existing primary key (a job id used twice).
pub(crate) fn is_primary_key_conflict(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Maps an SQLite failure on the database at `path` to the core error kinds the
/// engine and the Python binding know how to report; `e` becomes the error's
/// [`std::error::Error::source`].
pub(crate) fn to_core(e: rusqlite::Error, path: &Path) -> Error {
    let where_ = path.display();
    let kind: fn(String, Option<Cause>) -> Error = match e.sqlite_error_code() {
        Some(ErrorCode::DiskFull) => Error::StorageFull,
        Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen) => Error::ReadOnly,
        // Writes to a file deleted under us fail with I/O errors; saying so is
        // more useful than "disk I/O error".
        Some(ErrorCode::SystemIoFailure) if !path.exists() => {
            return Error::ReadOnly(format!("{where_} no longer exists: {e}"), cause(e));
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Error::Corrupt,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            return busy_timeout(path, 0, e);
        }
        _ => Error::Storage,
    };
    kind(format!("{where_}: {e}"), cause(e))
}

fn cause(e: impl std::error::Error + Send + Sync + 'static) -> Option<Cause> {
    Some(Box::new(e))
}

/// The retry budget ran out while the database stayed locked (`last` is
/// SQLite's last refusal, kept as the cause). Said in our words: SQLite's
/// "database is locked" reads like a bug, this is a wait that ran out.
pub(crate) fn busy_timeout(path: &Path, waited_ms: u64, last: rusqlite::Error) -> Error {
    Error::Busy {
        waited_ms,
        detail: format!(
            "{} stayed locked by another connection or process",
            path.display()
        ),
        cause: cause(last),
    }
}

/// A file-system failure around the database (its directory, its identity);
/// `e` becomes the error's source.
pub(crate) fn from_io(e: std::io::Error, path: &Path) -> Error {
    let where_ = path.display();
    match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            Error::ReadOnly(format!("{where_}: {e}"), cause(e))
        }
        std::io::ErrorKind::NotFound => {
            Error::ReadOnly(format!("{where_} does not exist: {e}"), cause(e))
        }
        std::io::ErrorKind::StorageFull => Error::StorageFull(format!("{where_}: {e}"), cause(e)),
        _ => Error::Storage(format!("{where_}: {e}"), cause(e)),
    }
}
