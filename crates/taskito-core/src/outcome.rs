/// The end of one attempt, as the engine writes it back. Every variant is fenced:
/// it applies only while the job is still `running` with the same `attempt`, so a
/// worker that lost its lease changes nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The task returned; `result` is the serialized return value.
    Complete {
        job_id: String,
        attempt: i32,
        result: Option<Vec<u8>>,
    },
    /// The attempt failed and the job runs again at `run_at` (spends one retry).
    Retry {
        job_id: String,
        attempt: i32,
        error: String,
        run_at: i64,
    },
    /// The attempt failed for good: the job becomes `dead` and is copied to the
    /// dead-letter table.
    Dead {
        job_id: String,
        attempt: i32,
        error: String,
    },
    /// The task stopped because it was asked to (cooperative cancellation): the
    /// job becomes `cancelled`, with `error` recorded.
    Cancelled {
        job_id: String,
        attempt: i32,
        error: String,
    },
    /// The attempt did not run to its end (shutdown): back to `pending` at once,
    /// no retry spent.
    Release { job_id: String, attempt: i32 },
    /// The attempt was not started (a rate limit or an open circuit breaker):
    /// back to `pending`, runnable at `run_at`; no retry spent, no crash counted.
    Delay {
        job_id: String,
        attempt: i32,
        run_at: i64,
    },
}

impl Outcome {
    #[must_use]
    pub fn job_id(&self) -> &str {
        match self {
            Outcome::Complete { job_id, .. }
            | Outcome::Retry { job_id, .. }
            | Outcome::Dead { job_id, .. }
            | Outcome::Cancelled { job_id, .. }
            | Outcome::Release { job_id, .. }
            | Outcome::Delay { job_id, .. } => job_id,
        }
    }
}

/// What a batch of outcomes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FinishReport {
    /// Outcomes written.
    pub applied: usize,
    /// Outcomes refused because the attempt no longer held the job.
    pub fenced: usize,
}
