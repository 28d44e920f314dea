//! Job logs: lines a task writes with `current_job.log(...)`.

/// The levels a log line may have, least severe first.
pub const LOG_LEVELS: [&str; 4] = ["debug", "info", "warning", "error"];

/// A log line to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    pub job_id: String,
    pub task_name: String,
    /// One of [`LOG_LEVELS`] (the caller validates).
    pub level: String,
    pub message: String,
    /// JSON text, if any.
    pub extra: Option<String>,
    pub logged_at: i64,
}

/// A stored log line; `id` grows with each insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub id: i64,
    pub job_id: String,
    pub task_name: String,
    pub level: String,
    pub message: String,
    pub extra: Option<String>,
    pub logged_at: i64,
}

/// Which log lines [`crate::Store::log_query`] returns: those logged at or after
/// `since`, of `task_name` and `level` when given, at most `limit` (0: no limit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    pub task_name: Option<String>,
    pub level: Option<String>,
    pub since: i64,
    pub limit: u32,
}
