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
