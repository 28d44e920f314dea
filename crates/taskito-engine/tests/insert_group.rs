//! Group commit of concurrent enqueues (`InsertGroup`) on a real SQLite store.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use support::{sqlite, Counting};
use taskito_core::{Clock, DepRef, Direction, GraphJob, NewJob, Store, SystemClock};
use taskito_engine::InsertGroup;

fn new_job(task: &str, n: usize) -> NewJob {
    NewJob::new(
        "default",
        task,
        n.to_le_bytes().to_vec(),
        SystemClock.now_ms(),
    )
}

fn job(task: &str, n: usize) -> GraphJob {
    GraphJob {
        job: new_job(task, n),
        depends_on: Vec::new(),
    }
}

#[test]
fn concurrent_inserts_share_transactions_and_each_caller_gets_its_own_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut counting = Counting::new(sqlite(&dir), Duration::ZERO);
    counting.insert_delay = Duration::from_millis(5);
    let store = Arc::new(counting);
    let group = Arc::new(InsertGroup::new(Arc::clone(&store) as Arc<dyn Store>));
    let (threads, per_thread) = (8, 25);
    let start = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (group, start) = (Arc::clone(&group), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                (0..per_thread)
                    .map(|i| {
                        let n = t * 1000 + i;
                        let ids = group.insert(vec![job(&format!("t{t}"), n)]).unwrap();
                        (n, ids)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = 0;
    for (t, handle) in handles.into_iter().enumerate() {
        for (n, ids) in handle.join().unwrap() {
            assert_eq!(ids.len(), 1);
            let stored = store
                .job_get(&ids[0])
                .unwrap()
                .expect("committed before return");
            assert_eq!(stored.task_name, format!("t{t}"), "the caller's own job");
            assert_eq!(stored.payload, n.to_le_bytes().to_vec());
            seen += 1;
        }
    }
    assert_eq!(seen, threads * per_thread);
    let sizes = store.insert_sizes.lock().unwrap().clone();
    assert_eq!(sizes.iter().sum::<usize>(), threads * per_thread);
    assert!(
        sizes.len() < threads * per_thread / 2,
        "callers shared transactions: {} inserts for {} jobs",
        sizes.len(),
        threads * per_thread
    );
}

#[test]
fn a_lone_caller_inserts_directly_and_keeps_unique_key_semantics() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(sqlite(&dir));
    let group = InsertGroup::new(Arc::clone(&store));
    let mut a = job("unique", 1);
    a.job.unique_key = Some("k".into());
    let mut b = job("unique", 2);
    b.job.unique_key = Some("k".into());
    let ids = group.insert(vec![a, b]).unwrap();
    assert_eq!(ids[0], ids[1], "the second job stands for the first");
    assert!(group.insert(vec![]).unwrap().is_empty());
}

#[test]
fn a_failing_shared_transaction_fails_only_the_caller_whose_jobs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut counting = Counting::new(sqlite(&dir), Duration::ZERO);
    counting.insert_delay = Duration::from_millis(50);
    counting.refuse_task = Some("bad".into());
    let store = Arc::new(counting);
    let group = Arc::new(InsertGroup::new(Arc::clone(&store) as Arc<dyn Store>));
    let spawn = |task: &'static str, n: usize| {
        let group = Arc::clone(&group);
        std::thread::spawn(move || (task, group.insert(vec![job(task, n), job(task, n + 100)])))
    };
    // The first caller leads and holds the store for 50 ms; the rest, the bad one
    // among them, queue up and share the next transaction.
    let mut handles = vec![spawn("good", 0)];
    support::wait_for("the first insert", Duration::from_secs(5), || {
        !store.insert_sizes.lock().unwrap().is_empty()
    });
    handles.extend((1..5).map(|n| spawn("good", n)));
    handles.push(spawn("bad", 9));
    for handle in handles {
        let (task, result) = handle.join().unwrap();
        if task == "bad" {
            assert!(result.unwrap_err().to_string().contains("refused bad"));
        } else {
            for id in result.unwrap() {
                assert!(store.job_get(&id).unwrap().is_some());
            }
        }
    }
    assert_eq!(
        store.job_stats().unwrap().pending,
        10,
        "every good job, no bad one"
    );
    let sizes = store.insert_sizes.lock().unwrap().clone();
    assert!(
        sizes.iter().any(|&n| n > 2),
        "the bad caller shared a transaction that then failed: {sizes:?}"
    );
}

#[test]
fn chains_of_callers_sharing_a_transaction_keep_their_own_links() {
    let dir = tempfile::tempdir().unwrap();
    let mut counting = Counting::new(sqlite(&dir), Duration::ZERO);
    counting.insert_delay = Duration::from_millis(50);
    let store = Arc::new(counting);
    let group = Arc::new(InsertGroup::new(Arc::clone(&store) as Arc<dyn Store>));
    let chain = |n: usize| {
        let group = Arc::clone(&group);
        std::thread::spawn(move || {
            let first = job("step", n);
            let mut second = job("step", n + 1);
            second.depends_on = vec![DepRef::Batch(0)];
            group.insert(vec![first, second]).unwrap()
        })
    };
    // The first chain holds the store; the next three queue up and share a transaction.
    let first = chain(0);
    support::wait_for("the first insert", Duration::from_secs(5), || {
        !store.insert_sizes.lock().unwrap().is_empty()
    });
    let rest: Vec<_> = (1..4).map(|i| chain(i * 10)).collect();
    support::wait_for("the shared insert", Duration::from_secs(10), || {
        rest.iter().all(std::thread::JoinHandle::is_finished)
    });
    let mut chains = vec![first.join().unwrap()];
    chains.extend(rest.into_iter().map(|h| h.join().unwrap()));
    let sizes = store.insert_sizes.lock().unwrap().clone();
    assert!(
        sizes.contains(&6),
        "three chains shared one transaction: {sizes:?}"
    );
    for ids in &chains {
        let links = store.job_links(&ids[1], Direction::DependsOn).unwrap();
        assert_eq!(
            links,
            vec![ids[0].clone()],
            "each second step waits for its own first"
        );
    }
}
