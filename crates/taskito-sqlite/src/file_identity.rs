//! Noticing that the database file was deleted or replaced under us.
//!
//! In WAL mode SQLite keeps writing to a file that was unlinked while open:
//! every commit "succeeds" into a file nobody will ever read again, and new
//! connections create an empty database at the path. One `stat` before each
//! write transaction (about a microsecond) turns that silent loss into
//! [`Error::ReadOnly`].
//!
//! A memory database has no file to lose: its identity never changes.

use std::path::{Path, PathBuf};

use taskito_core::Error;

use crate::connection::Database;

pub(crate) struct FileIdentity {
    /// `None` for a memory database.
    file: Option<Recorded>,
}

struct Recorded {
    path: PathBuf,
    #[cfg(unix)]
    id: (u64, u64),
}

impl FileIdentity {
    /// Records which file `db` names now (right after opening it).
    pub(crate) fn of(db: &Database) -> Result<Self, Error> {
        let file = match db {
            Database::Memory(_) => None,
            Database::File(path) => Some(Recorded {
                path: path.clone(),
                #[cfg(unix)]
                id: unix_id(path)?,
            }),
        };
        Ok(Self { file })
    }

    /// Fails when the path no longer names the file recorded at open.
    pub(crate) fn check(&self) -> Result<(), Error> {
        let Some(recorded) = &self.file else {
            return Ok(());
        };
        #[cfg(unix)]
        {
            match unix_id(&recorded.path) {
                Ok(id) if id == recorded.id => Ok(()),
                other => Err(Error::ReadOnly(
                    format!(
                        "{} was removed or replaced after it was opened; reopen the queue",
                        recorded.path.display()
                    ),
                    // Gone: why the file could not be looked up.
                    other.err().map(|e| Box::new(e) as taskito_core::Cause),
                )),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = recorded;
            Ok(())
        }
    }
}

#[cfg(unix)]
fn unix_id(path: &Path) -> Result<(u64, u64), Error> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| crate::errors::from_io(e, path))?;
    Ok((meta.dev(), meta.ino()))
}
