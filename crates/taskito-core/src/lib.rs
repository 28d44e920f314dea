//! taskito's domain: jobs, their states and outcomes, retry policy, time, and the
//! [`Store`] trait every storage backend implements. No I/O lives here.

mod admission;
mod clock;
mod cron;
mod error;
mod graph;
mod insert;
mod job;
mod limits;
mod logs;
mod metrics;
mod outcome;
mod overview;
mod periodic;
mod records;
mod retry;
mod rules;
mod spec;
mod store;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use admission::{
    admit_needs_write, decide_admit, decide_rate, decide_record, record_needs_write, RateDecision,
    RateState, Reservation,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use cron::CronSchedule;
pub use error::{Cause, Error, Result};
pub use graph::{resolve_dependencies, DepRef, GraphJob};
pub use insert::InsertJobs;
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
pub use rules::{is_expired, row_limit, DependencyEnd, EXPIRED_ERROR};
pub use spec::{plan, JobSpec};
pub use store::Store;
