/// The failure underneath an [`Error`] (the database driver's, the operating
/// system's), kept for [`std::error::Error::source`]: logs and debuggers can walk
/// to it. It is never part of the message, which stays a sentence for users.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the storage layer and the engine. Messages are lowercase sentences
/// fit to show a user; the Python binding maps each variant to one exception class.
/// The variants for a failure of the database keep its cause when there is one
/// (the last field, `None` for a failure the store found itself).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No job (or dead letter) has this id.
    #[error("no job with id {0}")]
    NotFound(String),
    /// The database stayed locked by other processes longer than we are willing to wait.
    #[error("the database stayed busy for {waited_ms} ms while other processes held it: {detail}")]
    Busy {
        waited_ms: u64,
        detail: String,
        /// The driver's last "locked" error.
        #[source]
        cause: Option<Cause>,
    },
    /// The disk (or the database's size limit) is full.
    #[error("the database could not grow: the disk is full ({0})")]
    StorageFull(String, #[source] Option<Cause>),
    /// The database file cannot be written (read-only file or directory, deleted file).
    #[error("the database is read-only or was removed: {0}")]
    ReadOnly(String, #[source] Option<Cause>),
    /// The database file is not a database, or is damaged.
    #[error("the database file is damaged or not a taskito database: {0}")]
    Corrupt(String, #[source] Option<Cause>),
    /// A caller asked for something that makes no sense (bad status name, bad option).
    #[error("{0}")]
    InvalidInput(String),
    /// A unique key is already held by a live job.
    #[error("a job with unique key {0:?} already exists")]
    Duplicate(String),
    /// The database server cannot be reached (for now). Workers keep retrying:
    /// it usually comes back (a restart, a failover, a network blip).
    #[error("{0}")]
    Unavailable(String, #[source] Option<Cause>),
    /// Any other storage failure; the cause is kept.
    #[error("storage error: {0}")]
    Storage(String, #[source] Option<Cause>),
    /// A job cannot wait for the dependencies it names (unknown, or ended
    /// without completing).
    #[error("{0}")]
    Dependency(String),
}

impl Error {
    /// An [`Error::Storage`] the store found itself, with no underlying error.
    pub fn storage(detail: impl Into<String>) -> Self {
        Error::Storage(detail.into(), None)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::Error;

    fn io(message: &str) -> std::io::Error {
        std::io::Error::other(message.to_owned())
    }

    #[test]
    fn the_cause_is_the_source_and_stays_out_of_the_message() {
        let with = Error::Storage("/q.db: disk I/O error".into(), Some(Box::new(io("eio"))));
        let without = Error::Storage("/q.db: disk I/O error".into(), None);
        assert_eq!(with.to_string(), "storage error: /q.db: disk I/O error");
        assert_eq!(with.to_string(), without.to_string());
        let cause = with.source().expect("a source");
        assert_eq!(cause.to_string(), "eio");
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
        assert!(without.source().is_none());
    }

    #[test]
    fn every_storage_kind_keeps_its_message_and_cause() {
        let cases = [
            (
                Error::Busy {
                    waited_ms: 7,
                    detail: "q.db stayed locked".into(),
                    cause: Some(Box::new(io("locked"))),
                },
                "the database stayed busy for 7 ms while other processes held it: q.db stayed locked",
            ),
            (
                Error::StorageFull("q.db".into(), Some(Box::new(io("full")))),
                "the database could not grow: the disk is full (q.db)",
            ),
            (
                Error::ReadOnly("q.db".into(), Some(Box::new(io("ro")))),
                "the database is read-only or was removed: q.db",
            ),
            (
                Error::Corrupt("q.db".into(), Some(Box::new(io("bad")))),
                "the database file is damaged or not a taskito database: q.db",
            ),
            (
                Error::Unavailable("cannot reach PostgreSQL".into(), Some(Box::new(io("down")))),
                "cannot reach PostgreSQL",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
            assert!(error.source().is_some(), "{message}");
        }
        assert!(Error::NotFound("x".into()).source().is_none());
    }
}
