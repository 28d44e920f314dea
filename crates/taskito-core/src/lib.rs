//! taskito's domain: jobs, their states and outcomes, retry policy, time, and the
//! [`Store`] trait every storage backend implements. No I/O lives here.

mod clock;
mod error;
mod job;
mod outcome;
mod overview;
mod records;
mod retry;
mod store;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use job::{new_job_id, Job, JobState, NewJob};
pub use outcome::{FinishReport, Outcome};
pub use overview::{JobCursor, QueueCount, SeriesBucket};
pub use records::{
    ClaimRequest, DeadLetter, JobErrorRecord, JobFilter, ReplayRecord, RescueReport, Stats,
    WorkerInfo,
};
pub use retry::RetryPolicy;
pub use store::Store;
