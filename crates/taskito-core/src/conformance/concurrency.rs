//! Claims racing from threads and from separate stores on one database, and
//! the change marker other processes rely on.

use std::collections::HashSet;
use std::thread;

use super::fixtures::{claim, get, ids, insert, insert_one, new_job, wait_until, T0};
use crate::{NewJob, Store};

const JOBS: usize = 400;

/// Claims from `claimers` threads per store until the queue is drained; returns
/// every claimed id.
fn drain_concurrently(stores: &[&dyn Store], claimers: usize) -> Vec<String> {
    thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .flat_map(|store| (0..claimers).map(move |t| (store, t)))
            .map(|(store, t)| {
                s.spawn(move || {
                    let worker = format!("w{t}");
                    let mut got = Vec::new();
                    loop {
                        let batch = claim(*store, &worker, &["race"], 7, T0);
                        if batch.is_empty() {
                            return got;
                        }
                        got.extend(ids(&batch));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("claimer thread"))
            .collect()
    })
}

fn assert_each_claimed_once(claimed: &[String], inserted: &[String]) {
    let unique: HashSet<&String> = claimed.iter().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice");
    let expected: HashSet<&String> = inserted.iter().collect();
    assert_eq!(unique, expected, "every job is claimed");
}

/// Threads claiming from one store never get the same job.
pub fn concurrent_claims_never_share_a_job(store: &dyn Store) {
    let inserted = insert(
        store,
        &(0..JOBS)
            .map(|_| new_job("race", "t"))
            .collect::<Vec<NewJob>>(),
    );
    let claimed = drain_concurrently(&[store], 4);
    assert_each_claimed_once(&claimed, &inserted);
}

/// Two stores on one database (as two processes) never claim the same job.
pub fn two_stores_never_claim_the_same_job(a: &dyn Store, b: &dyn Store) {
    let inserted = insert(
        a,
        &(0..JOBS)
            .map(|_| new_job("race", "t"))
            .collect::<Vec<NewJob>>(),
    );
    let claimed = drain_concurrently(&[a, b], 2);
    assert_each_claimed_once(&claimed, &inserted);
}

/// A store's change marker moves after another store commits, and that store's
/// writes are visible.
pub fn change_marker_sees_commits_of_another_store(a: &dyn Store, b: &dyn Store) {
    let before = a.change_marker().expect("change_marker");
    let id = insert_one(b, new_job("q", "t"));
    wait_until("the marker moves after an insert elsewhere", || {
        a.change_marker().expect("change_marker") != before
    });
    assert_eq!(get(a, &id).id, id);

    let before = a.change_marker().expect("change_marker");
    assert_eq!(claim(b, "w", &["q"], 1, T0).len(), 1);
    wait_until("the marker moves after a claim elsewhere", || {
        a.change_marker().expect("change_marker") != before
    });
}
