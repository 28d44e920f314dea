//! Worker rows.

use super::fixtures::{worker, T0};
use crate::Store;

/// The first heartbeat registers a worker, later ones refresh it, the list is
/// most recent heartbeat first, and unregistering removes it.
pub fn workers_register_heartbeat_and_unregister(store: &dyn Store) {
    assert!(store.worker_list().expect("worker_list").is_empty());
    let beat = |w| {
        store
            .worker_heartbeat(&w, T0 + 60_000)
            .expect("worker_heartbeat")
    };
    beat(worker("w1", T0 + 10));
    let mut w2 = worker("w2", T0 + 20);
    w2.hostname = r#"box "two"; --"#.into();
    w2.pid = u32::MAX;
    w2.queues = "a,b,c".into();
    w2.threads = 1;
    w2.started_at = T0 + 5;
    beat(w2.clone());
    assert_eq!(
        store.worker_list().expect("worker_list"),
        vec![w2.clone(), worker("w1", T0 + 10)]
    );

    beat(worker("w1", T0 + 30));
    assert_eq!(
        store.worker_list().expect("worker_list"),
        vec![worker("w1", T0 + 30), w2]
    );

    store.worker_unregister("w2").expect("worker_unregister");
    store
        .worker_unregister("no-such-worker")
        .expect("unknown ids are ignored");
    assert_eq!(
        store.worker_list().expect("worker_list"),
        vec![worker("w1", T0 + 30)]
    );
    store.worker_unregister("w1").expect("worker_unregister");
    assert!(store.worker_list().expect("worker_list").is_empty());
}

/// `maintenance_turn` gives a task to one caller per period, on any store.
pub fn maintenance_turns_go_to_one_caller_per_period(a: &dyn Store, b: &dyn Store) {
    let turn = |s: &dyn Store, now: i64| s.maintenance_turn("purge", now, 1_000).expect("turn");
    assert!(turn(a, T0), "the first caller takes the first turn");
    assert!(
        !turn(b, T0),
        "no second turn in the same period, from another store"
    );
    assert!(!turn(a, T0 + 999));
    assert!(turn(b, T0 + 1_000), "the next period's turn");
    assert!(!turn(a, T0 + 1_500));
    assert!(
        a.maintenance_turn("other", T0 + 1_500, 1_000)
            .expect("turn"),
        "tasks have turns of their own"
    );
}
