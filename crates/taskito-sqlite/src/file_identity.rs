//! Noticing that the database file was deleted or replaced under us.
//!
//! In WAL mode SQLite keeps writing to a file that was unlinked while open:
//! every commit "succeeds" into a file nobody will ever read again, and new
//! connections create an empty database at the path. One `stat` before each
//! write transaction (about a microsecond) turns that silent loss into
//! [`Error::ReadOnly`].

use std::path::{Path, PathBuf};

use taskito_core::Error;

pub(crate) struct FileIdentity {
    path: PathBuf,
    #[cfg(unix)]
    id: (u64, u64),
}

impl FileIdentity {
    /// Records which file `path` names now (right after opening it).
    pub(crate) fn of(path: &Path) -> Result<Self, Error> {
        Ok(Self {
            path: path.to_owned(),
            #[cfg(unix)]
            id: unix_id(path)?,
        })
    }

    /// Fails when `path` no longer names the file recorded at open.
    pub(crate) fn check(&self) -> Result<(), Error> {
        #[cfg(unix)]
        {
            match unix_id(&self.path) {
                Ok(id) if id == self.id => Ok(()),
                _ => Err(Error::ReadOnly(format!(
                    "{} was removed or replaced after it was opened; reopen the queue",
                    self.path.display()
                ))),
            }
        }
        #[cfg(not(unix))]
        {
            Ok(())
        }
    }
}

#[cfg(unix)]
fn unix_id(path: &Path) -> Result<(u64, u64), Error> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(|e| crate::errors::from_io(&e, path))?;
    Ok((meta.dev(), meta.ino()))
}
