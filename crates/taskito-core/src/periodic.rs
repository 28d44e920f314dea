//! Periodic schedules as the store keeps them.

/// A schedule registered by a worker: enqueue `task_name` on `queue` at every
/// tick of `cron_expr` read in `timezone`. `name` identifies it across
/// workers and hosts; `last_tick_at` is the latest tick enqueued (Unix ms),
/// `None` before the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicSchedule {
    pub name: String,
    pub task_name: String,
    pub cron_expr: String,
    /// An IANA name, e.g. `UTC` or `Europe/Paris`.
    pub timezone: String,
    pub queue: String,
    /// When a worker first registered this name (Unix ms): ticks missed since
    /// then are caught up (once) even before the first tick.
    pub registered_at: i64,
    pub last_tick_at: Option<i64>,
}
