/// How a [`crate::SqliteStore`] trades speed for safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteOptions {
    /// `synchronous=FULL` instead of `NORMAL`: every commit survives a power
    /// loss, at several times the cost per commit. `NORMAL` in WAL mode never
    /// corrupts the file and survives any application crash; it may only lose
    /// the last commits when the machine itself loses power.
    pub durable: bool,
    /// How long one operation keeps retrying while other connections or
    /// processes hold the database before it gives up with
    /// [`taskito_core::Error::Busy`].
    pub busy_wait_ms: u64,
}

impl SqliteOptions {
    pub const DEFAULT_BUSY_WAIT_MS: u64 = 60_000;
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            durable: false,
            busy_wait_ms: Self::DEFAULT_BUSY_WAIT_MS,
        }
    }
}
