use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A job's state. The strings are the public ones of the original taskito.
///
/// ```text
/// pending -> running -> complete
///               |  \--> pending (attempt failed, retry scheduled later)
///               |  \--> dead (retries exhausted / not retryable; copied to dead_letters)
///               \-----> pending (lease released at shutdown or rescued after a crash)
/// pending -> cancelled
/// ```
/// `failed` is a terminal failure that is not dead-lettered (e.g. an expired job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    Pending,
    Running,
    Complete,
    Failed,
    Dead,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 6] = [
        JobState::Pending,
        JobState::Running,
        JobState::Complete,
        JobState::Failed,
        JobState::Dead,
        JobState::Cancelled,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Complete => "complete",
            JobState::Failed => "failed",
            JobState::Dead => "dead",
            JobState::Cancelled => "cancelled",
        }
    }

    /// True for states a job never leaves by itself.
    #[must_use]
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Complete | JobState::Failed | JobState::Dead | JobState::Cancelled
        )
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "pending" => JobState::Pending,
            "running" => JobState::Running,
            "complete" | "completed" => JobState::Complete,
            "failed" => JobState::Failed,
            "dead" => JobState::Dead,
            "cancelled" => JobState::Cancelled,
            other => {
                return Err(Error::InvalidInput(format!(
                    "unknown job status {other:?}: expected one of pending, running, complete, failed, dead, cancelled"
                )))
            }
        })
    }
}

/// A new time-ordered job id (UUIDv7, as the original).
#[must_use]
pub fn new_job_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A job to insert. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub id: String,
    pub queue: String,
    pub task_name: String,
    pub payload: Vec<u8>,
    /// Higher runs first.
    pub priority: i32,
    pub created_at: i64,
    /// Not claimed before this time.
    pub scheduled_at: i64,
    /// Failed attempts allowed before the job is dead-lettered.
    pub max_retries: i32,
    /// Base of the exponential retry backoff.
    pub backoff_ms: i64,
    /// Hard timeout of one attempt.
    pub timeout_ms: i64,
    pub unique_key: Option<String>,
    /// Free-form JSON text, stored verbatim.
    pub metadata: Option<String>,
    /// Not started after this time.
    pub expires_at: Option<i64>,
    /// How long the result is kept after completion.
    pub result_ttl_ms: Option<i64>,
}

impl NewJob {
    /// A job with the defaults of [`crate::JobSpec::new`] (3 retries, 1 s backoff,
    /// 300 s timeout), runnable now.
    #[must_use]
    pub fn new(queue: &str, task_name: &str, payload: Vec<u8>, now_ms: i64) -> Self {
        let spec = crate::JobSpec {
            queue: queue.to_owned(),
            ..crate::JobSpec::new(task_name, payload)
        };
        spec.into_job(now_ms).0
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub queue: String,
    pub task_name: String,
    pub payload: Vec<u8>,
    pub status: JobState,
    pub priority: i32,
    pub created_at: i64,
    pub scheduled_at: i64,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    /// Claims so far; the fencing token of the current attempt.
    pub attempt: i32,
    /// Failed attempts so far (crashes and shutdowns do not count).
    pub retry_count: i32,
    pub max_retries: i32,
    pub backoff_ms: i64,
    pub timeout_ms: i64,
    /// Attempts interrupted by a dead worker.
    pub crash_count: i32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub result: Option<Vec<u8>>,
    pub error: Option<String>,
    pub progress: Option<i32>,
    pub unique_key: Option<String>,
    pub metadata: Option<String>,
    pub expires_at: Option<i64>,
    pub result_ttl_ms: Option<i64>,
    pub cancel_requested: bool,
}
