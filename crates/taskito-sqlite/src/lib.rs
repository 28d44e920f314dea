//! taskito's [`taskito_core::Store`] on an embedded SQLite file.
//!
//! One file is shared by the worker and every producer process: WAL mode, one
//! writer connection per store whose transactions start with `BEGIN IMMEDIATE`
//! and are retried while other processes hold the lock, a small pool of reader
//! connections, and one connection that only watches `PRAGMA data_version`.
//! Schema in `migrations/`, statements in `queries/`.

mod busy;
mod claim;
mod connection;
mod counts;
mod dead;
mod dependencies;
mod errors;
mod file_identity;
mod finish;
mod graph;
mod job_queries;
mod jobs;
mod limits;
mod maintenance;
mod migrations;
mod observability;
mod options;
mod overview;
mod periodic;
mod pool;
mod queue_list;
mod replay;
mod rescue;
mod rows;
mod store;
mod workers;

pub use options::SqliteOptions;
pub use store::SqliteStore;

/// Not part of the public API: a query file's text as the store runs it (the
/// job column list spliced in), for tests that check plans with `EXPLAIN`.
#[doc(hidden)]
pub use job_queries::splice as splice_job_columns;
