//! taskito's [`taskito_core::Store`] on PostgreSQL: the same queue shared by
//! producers and workers on many hosts.
//!
//! A small pool of connections per store (the pure-Rust `postgres` driver, no
//! libpq), schema migrations applied at connect under an advisory lock, claims
//! with `FOR UPDATE SKIP LOCKED` over a partial index of pending jobs, a
//! notifier thread that announces commits with `pg_notify`, and one `LISTEN`
//! connection that turns other processes' commits into a change marker.
//! Schema in `migrations/`, statements in `queries/`.

mod blocking;
mod claim;
mod connection;
mod dead;
mod dependencies;
mod endpoint;
mod errors;
mod finish;
mod graph;
mod insert;
mod job_queries;
mod jobs;
mod limits;
mod listener;
mod maintenance;
mod migrations;
mod notifier;
mod observability;
mod options;
mod outage;
mod overview;
mod periodic;
mod pool;
mod replay;
mod rescue;
mod rows;
mod server_clock;
mod store;
mod tls;
mod workers;

pub use options::PostgresOptions;
pub use server_clock::ServerClock;
pub use store::PostgresStore;

// Not part of the public API: statements and settings for the tests that
// check plans and the job columns against the schema.
#[doc(hidden)]
pub use connection::PLANNER_SETTINGS;
#[doc(hidden)]
pub use finish::COMPLETE_MANY as COMPLETE_MANY_SQL;
#[doc(hidden)]
pub use job_queries::{claim_sql, job_column_names, job_statements};
