//! Connecting and calling: schema names, concurrent migrations, read-only
//! servers, calls from inside a tokio runtime.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use postgres::error::SqlState;
use taskito_core::{Error, PurgeTarget, Store};
use taskito_postgres::{PostgresOptions, PostgresStore};

use super::support::{self, TestSchema};
use super::{claim, closed_port, jobs, through_direct};

/// S4: a schema name outside the identifier pattern is refused before any
/// connection is made (the URL points at a port nobody listens on).
pub(super) fn schema_names_are_checked_before_any_sql() {
    let closed = closed_port();
    let nowhere = format!("postgresql://postgres@127.0.0.1:{closed}/test");
    for bad in [
        "'; DROP TABLE jobs;--",
        "a\"b",
        "1abc",
        "",
        "tâche",
        &"x".repeat(64),
    ] {
        let started = Instant::now();
        let options = PostgresOptions {
            schema: Some(bad.to_owned()),
            ..PostgresOptions::default()
        };
        let err = PostgresStore::connect(&nowhere, options).expect_err("refused");
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains("schema name")),
            "{bad:?}: {err}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(50),
            "no connection attempt"
        );
    }
    // A valid name with upper case is kept as is (quoted), on the real server.
    let schema = TestSchema {
        name: format!("Mixed_{:08x}", fastrand::u32(..)),
    };
    let store = schema.open();
    store.job_insert_many(&jobs("q", 1)).expect("insert");
    let mut admin = support::admin();
    let n: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
            &[&schema.name],
        )
        .expect("query")
        .get(0);
    assert_eq!(n, 1, "the schema is created with its exact name");
}

/// Eight stores connecting to a fresh schema at once: all succeed, each
/// migration is applied once.
pub(super) fn migrations_are_safe_when_eight_stores_start_at_once() {
    let schema = TestSchema::new();
    let barrier = Barrier::new(8);
    let stores: Vec<PostgresStore> = thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    schema.open()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("connect"))
            .collect()
    });
    let mut admin = schema.admin();
    let versions: Vec<i32> = admin
        .query(
            "SELECT version FROM taskito_migrations ORDER BY version",
            &[],
        )
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    // One version per file in migrations/, each applied once.
    let steps = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations dir")
        .count();
    let expected: Vec<i32> = (1..=i32::try_from(steps).expect("a few steps")).collect();
    assert_eq!(versions, expected);
    let ids = stores[3].job_insert_many(&jobs("q", 3)).expect("insert");
    assert_eq!(claim(&stores[6], "w", 10).len(), ids.len());
}

/// Read-only transactions (a standby, or `default_transaction_read_only`)
/// report `ReadOnly`, on a schema that exists and on one to be created.
pub(super) fn read_only_connections_report_read_only() {
    let schema = TestSchema::new();
    drop(schema.open());
    let read_only = format!(
        "{} options='-c default_transaction_read_only=on'",
        through_direct()
    );
    let store = PostgresStore::connect(&read_only, schema.options()).expect("connect read-only");
    assert!(store.job_get("x").expect("reads work").is_none());
    let err = store.job_insert_many(&jobs("q", 1)).expect_err("read-only");
    assert!(matches!(err, Error::ReadOnly(..)), "{err}");
    // The driver's error is the source; the message is the sentence it was.
    let err = store.purge(PurgeTarget::Logs, 0).expect_err("read-only");
    let cause = std::error::Error::source(&err)
        .and_then(|c| c.downcast_ref::<postgres::Error>())
        .expect("the driver's error is the source");
    assert_eq!(cause.code(), Some(&SqlState::READ_ONLY_SQL_TRANSACTION));
    let message = err.to_string();
    assert!(
        message.starts_with("the database is read-only or was removed: PostgreSQL at "),
        "{message}"
    );
    assert!(
        message.ends_with(": cannot execute DELETE in a read-only transaction (SQLSTATE 25006)"),
        "{message}"
    );
    let fresh = TestSchema::new();
    let err = PostgresStore::connect(&read_only, fresh.options()).expect_err("cannot migrate");
    assert!(matches!(err, Error::ReadOnly(..)), "{err}");
}

/// The engine calls the store from inside its scheduler's tokio runtime: a
/// store connected, used (through a lost connection too) and dropped there
/// works, although the driver runs a runtime of its own.
pub(super) fn the_store_works_inside_a_tokio_runtime() {
    let schema = TestSchema::new();
    let app = super::unique_app();
    let options = PostgresOptions {
        application_name: app.clone(),
        ..schema.options()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = PostgresStore::connect(&support::url(), options).expect("connect");
        let ids = store.job_insert_many(&jobs("q", 3)).expect("insert");
        // The test's own admin client must not run inside the runtime.
        let victim = app.clone();
        std::thread::spawn(move || super::kill_backends(&victim))
            .join()
            .expect("kill backends");
        assert_eq!(claim(&store, "w", 10).len(), ids.len());
        drop(store);
    });
}

/// The store's server clock reads the database server's time (here the
/// server is on this host, so the offset is about 0).
pub(super) fn the_server_clock_follows_the_database() {
    use taskito_core::Clock;
    let schema = TestSchema::new();
    let store = schema.open();
    let clock = store.server_clock();
    let mut admin = support::admin();
    let server: i64 = admin
        .query_one(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8",
            &[],
        )
        .expect("server time")
        .get(0);
    let ours = clock.now_ms();
    assert!((ours - server).abs() < 200, "ours {ours}, server {server}");
    assert!(
        clock.offset_ms().abs() < 100,
        "offset {}",
        clock.offset_ms()
    );
}
