/// Errors of the storage layer and the engine. Messages are lowercase sentences
/// fit to show a user; the Python binding maps each variant to one exception class.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No job (or dead letter) has this id.
    #[error("no job with id {0}")]
    NotFound(String),
    /// The database stayed locked by other processes longer than we are willing to wait.
    #[error("the database stayed busy for {waited_ms} ms while other processes held it: {detail}")]
    Busy { waited_ms: u64, detail: String },
    /// The disk (or the database's size limit) is full.
    #[error("the database could not grow: the disk is full ({0})")]
    StorageFull(String),
    /// The database file cannot be written (read-only file or directory, deleted file).
    #[error("the database is read-only or was removed: {0}")]
    ReadOnly(String),
    /// The database file is not a database, or is damaged.
    #[error("the database file is damaged or not a taskito database: {0}")]
    Corrupt(String),
    /// A caller asked for something that makes no sense (bad status name, bad option).
    #[error("{0}")]
    InvalidInput(String),
    /// A unique key is already held by a live job.
    #[error("a job with unique key {0:?} already exists")]
    Duplicate(String),
    /// The database server cannot be reached (for now). Workers keep retrying:
    /// it usually comes back (a restart, a failover, a network blip).
    #[error("{0}")]
    Unavailable(String),
    /// Any other storage failure; the cause is kept.
    #[error("storage error: {0}")]
    Storage(String),
    /// A job cannot wait for the dependencies it names (unknown, or ended
    /// without completing).
    #[error("{0}")]
    Dependency(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
