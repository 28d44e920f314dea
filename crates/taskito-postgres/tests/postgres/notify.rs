//! The change marker (NOTIFY) and connections killed on the server.

use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use taskito_core::Store;
use taskito_postgres::{PostgresOptions, PostgresStore};

use super::support::{self, TestSchema};
use super::{backends, claim, complete_all, jobs, kill_backends, unique_app, wait_for_marker};

/// N3 (latency): another store's insert moves the marker within ~100 ms.
pub(super) fn change_marker_moves_soon_after_another_stores_insert() {
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let mut delays = Vec::new();
    for _ in 0..20 {
        // After a quiet spell, as an idle worker would see it (inside a burst
        // a store announces its commits at most every few ms).
        std::thread::sleep(Duration::from_millis(10));
        let before = a.change_marker().expect("marker");
        let started = Instant::now();
        b.job_insert_many(&jobs("q", 1)).expect("insert");
        let seen = wait_for_marker(&a, before, Duration::from_secs(5)).expect("marker moved");
        delays.push(started.elapsed().max(seen));
    }
    delays.sort();
    eprintln!(
        "FIGURE notify_latency_ms p50={:.2} max={:.2}",
        delays[10].as_secs_f64() * 1e3,
        delays[19].as_secs_f64() * 1e3
    );
    assert!(delays[10] < Duration::from_millis(100), "{delays:?}");
    assert!(delays[19] < Duration::from_millis(1_000), "{delays:?}");
}

/// N3 (reconnect): after the listener's backend is killed, the marker moves
/// once the listener is back, and then again on the next insert elsewhere.
pub(super) fn listener_reconnects_after_its_backend_is_killed() {
    let schema = TestSchema::new();
    let app = unique_app();
    let a = PostgresStore::connect(
        &support::url(),
        PostgresOptions {
            application_name: app.clone(),
            ..schema.options()
        },
    )
    .expect("connect");
    let b = schema.open();
    let listener = format!("{app} listener");
    let before = a.change_marker().expect("marker");
    assert_eq!(kill_backends(&listener), 1, "one listener backend");
    wait_for_marker(&a, before, Duration::from_secs(10)).expect("bumped after reconnecting");
    assert_eq!(backends(&listener), 1, "listening again");
    let before = a.change_marker().expect("marker");
    b.job_insert_many(&jobs("q", 1)).expect("insert");
    wait_for_marker(&a, before, Duration::from_secs(2)).expect("notified after reconnecting");
}

/// Calls made after every pooled connection was terminated (and while the
/// listener was too) succeed on fresh connections.
pub(super) fn calls_succeed_after_pool_connections_are_killed() {
    let schema = TestSchema::new();
    let app = unique_app();
    let store = PostgresStore::connect(
        &support::url(),
        PostgresOptions {
            application_name: app.clone(),
            ..schema.options()
        },
    )
    .expect("connect");
    let ids = store.job_insert_many(&jobs("q", 5)).expect("insert");
    assert!(kill_backends(&app) >= 1, "pool backends killed");
    kill_backends(&format!("{app} listener"));
    assert_eq!(
        store
            .job_get(&ids[0])
            .expect("get after kill")
            .map(|j| j.id),
        Some(ids[0].clone())
    );
    kill_backends(&app);
    let claimed = claim(&store, "w", 10);
    assert_eq!(claimed.len(), 5);
    kill_backends(&app);
    complete_all(&store, &claimed);
    assert_eq!(store.job_stats().expect("stats").complete, 5);
}

/// A producer that enqueues and goes away at once (its store dropped right
/// after the insert) still wakes the others: the notification still due is
/// sent before the store closes.
pub(super) fn a_store_dropped_after_a_write_still_notifies() {
    let schema = TestSchema::new();
    let a = schema.open();
    for _ in 0..3 {
        let b = schema.open();
        let before = a.change_marker().expect("marker");
        b.job_insert_many(&jobs("q", 1)).expect("insert");
        drop(b);
        wait_for_marker(&a, before, Duration::from_secs(2)).expect("notified");
    }
}
