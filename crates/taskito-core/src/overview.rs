//! What the dashboard reads besides single jobs: a keyset cursor for paging the
//! job list, live counts per queue and the recent completion series.

/// A position in the newest-first job list: the last row a page showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCursor {
    pub created_at: i64,
    pub id: String,
}

/// Completed jobs whose `completed_at` falls in `[start, start + bucket_ms)`, with
/// their run time (`completed_at - started_at`) and wait (`started_at - created_at`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesBucket {
    pub start: i64,
    pub completed: u64,
    pub avg_run_ms: f64,
    pub max_run_ms: i64,
    pub avg_wait_ms: f64,
}
