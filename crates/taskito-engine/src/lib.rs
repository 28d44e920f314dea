//! taskito's runtime, the seed's diagram made real:
//!
//! ```text
//! scheduler (tokio thread) --bounded channel--> N worker threads --result channel--> result handler --> Store
//!                         \-- heartbeat thread: worker row, lease extension, rescue of expired leases
//! ```
//! It takes an `Arc<dyn Store>` and an `Arc<dyn Executor>` and knows neither a
//! storage backend nor Python.

mod bell;
mod config;
mod executor;
mod heartbeat;
mod insert_group;
mod limits;
mod periodic;
mod pool;
mod results;
mod running;
mod scheduler;
mod shutdown;
mod supervisor;
mod tallies;
mod trouble;
mod wait;
mod wake;
mod watchdog;
mod watcher;
mod worker;

pub use bell::Bell;
pub use config::{WorkerConfig, PREFETCH_WINDOW_US};
pub use executor::{ExecResult, Executor};
pub use insert_group::InsertGroup;
pub use limits::TaskLimits;
pub use periodic::PeriodicTask;
pub use results::{decide_outcome, AttemptInfo};
pub use shutdown::{Phase, Shutdown};
pub use wait::wait_for_terminal;
pub use wake::Wake;
pub use worker::{Signals, Worker, WorkerHandle};
