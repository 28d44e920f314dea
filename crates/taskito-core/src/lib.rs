//! taskito's domain: jobs, their states and outcomes, retry policy, time, and the
//! [`Store`] trait every storage backend implements. No I/O lives here.

mod clock;
mod cron;
mod error;
mod graph;
mod job;
mod limits;
mod logs;
mod metrics;
mod outcome;
mod overview;
mod periodic;
mod records;
mod retry;
mod store;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clock::{Clock, ManualClock, SystemClock};
pub use cron::CronSchedule;
pub use error::{Cause, Error, Result};
pub use graph::{resolve_dependencies, DepRef, GraphJob};
pub use job::{new_job_id, Job, JobState, NewJob};
pub use limits::{Admission, Breaker, BreakerConfig, BreakerState, RateLimit, TRIAL_WAIT_MS};
pub use logs::{LogEntry, LogFilter, NewLogEntry, LOG_LEVELS};
pub use metrics::{metric_bucket, summarize, Histogram, MetricRollup, MetricTally, TaskMetrics};
pub use outcome::{FinishReport, Outcome};
pub use overview::{JobCursor, SeriesBucket};
pub use periodic::PeriodicSchedule;
pub use records::{
    ClaimRequest, DeadLetter, Direction, JobErrorRecord, JobFilter, PurgeTarget, QueueDepth,
    ReplayRecord, RescueReport, RescueScope, Stats, WorkerInfo,
};
pub use retry::RetryPolicy;
pub use store::Store;
