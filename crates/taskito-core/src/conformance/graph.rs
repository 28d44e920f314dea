//! A whole canvas inserted in one transaction (`Store::job_insert` with dependencies): batch
//! dependencies, refusal of the whole batch, and no race with a fast worker.

use super::fixtures::{claim, complete, dead, finish, get, ids, insert_one, new_job, purge, T0};
use crate::{DepRef, Direction, Error, GraphJob, JobState, NewJob, PurgeTarget, Store};

fn node(job: NewJob, depends_on: Vec<DepRef>) -> GraphJob {
    GraphJob { job, depends_on }
}

/// `steps` jobs of `queue`, each depending on the one before.
fn chain(queue: &str, steps: usize) -> Vec<GraphJob> {
    (0..steps)
        .map(|i| {
            let deps = if i == 0 {
                vec![]
            } else {
                vec![DepRef::Batch(i - 1)]
            };
            node(new_job(queue, "step"), deps)
        })
        .collect()
}

/// A chain and a chord inserted as graphs: batch and existing dependencies
/// become edges in the given order, and each job waits for its own.
pub fn graph_inserts_a_canvas_whole(store: &dyn Store) {
    let steps = chain("chain", 3);
    let planned: Vec<String> = steps.iter().map(|n| n.job.id.clone()).collect();
    let chain_ids = store.job_insert(&steps).expect("job_insert");
    assert_eq!(chain_ids, planned, "each job stands for itself");
    assert_eq!(
        store
            .job_links(&chain_ids[2], Direction::DependsOn)
            .expect("deps"),
        vec![chain_ids[1].clone()]
    );
    assert!(store
        .job_links(&chain_ids[0], Direction::DependsOn)
        .expect("deps")
        .is_empty());

    let outside = insert_one(store, new_job("outside", "o"));
    let chord = vec![
        node(new_job("group", "g"), vec![]),
        node(
            new_job("group", "g"),
            vec![DepRef::Existing(outside.clone())],
        ),
        node(
            new_job("callback", "cb"),
            vec![
                DepRef::Batch(1),
                DepRef::Batch(0),
                DepRef::Existing(outside.clone()),
            ],
        ),
    ];
    let chord_ids = store.job_insert(&chord).expect("job_insert");
    assert_eq!(
        store
            .job_links(&chord_ids[2], Direction::DependsOn)
            .expect("deps"),
        vec![chord_ids[1].clone(), chord_ids[0].clone(), outside.clone()]
    );
    assert_eq!(
        ids(&claim(store, "w", &["group"], 10, T0)),
        vec![chord_ids[0].clone()]
    );

    let first = claim(store, "w", &["chain"], 10, T0);
    assert_eq!(ids(&first), vec![chain_ids[0].clone()], "later steps wait");
    assert_eq!(finish(store, &[complete(&first[0])], T0 + 1), (1, 0));
    assert_eq!(
        ids(&claim(store, "w", &["chain"], 10, T0 + 2)),
        vec![chain_ids[1].clone()]
    );
    assert!(store.job_insert(&[]).expect("empty graph").is_empty());
}

/// A batch with an impossible dependency, or one naming a later entry, is
/// refused whole: none of its jobs is inserted.
pub fn graph_is_refused_whole(store: &dyn Store) {
    let cancelled = insert_one(store, new_job("deps", "a"));
    assert!(store.job_cancel(&cancelled, T0).expect("cancel"));
    let mut bad = chain("bad", 3);
    bad[2].depends_on.push(DepRef::Existing(cancelled.clone()));
    let err = store.job_insert(&bad).expect_err("cancelled dependency");
    assert!(
        matches!(&err, Error::Dependency(m) if m.contains(cancelled.as_str())),
        "{err}"
    );
    for n in &bad {
        assert_eq!(
            store.job_get(&n.job.id).expect("job_get"),
            None,
            "nothing inserted"
        );
    }
    assert!(store
        .job_links(&cancelled, Direction::Dependents)
        .expect("dependents")
        .is_empty());

    let forward = vec![node(new_job("bad", "x"), vec![DepRef::Batch(0)])];
    let err = store.job_insert(&forward).expect_err("forward reference");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    assert_eq!(store.job_get(&forward[0].job.id).expect("job_get"), None);
}

/// The race the graph insert exists for: a worker kills every job of the
/// queue as soon as it can claim it while another store inserts long chains.
/// Every insert succeeds, and in every chain the first step is dead and all
/// the others are cancelled (never stranded pending, never run). Inserting
/// the steps one by one fails here: a step's dependency is often already
/// dead when the step is inserted.
pub fn graph_insert_races_no_worker(a: &dyn Store, b: &dyn Store) {
    const CHAINS: usize = 20;
    const STEPS: usize = 30;
    let inserted = std::sync::atomic::AtomicBool::new(false);
    let chains: Vec<Vec<String>> = std::thread::scope(|s| {
        s.spawn(|| {
            let mut now = T0;
            let mut last = false;
            while !last {
                last = inserted.load(std::sync::atomic::Ordering::SeqCst);
                now += 1;
                for job in claim(b, "killer", &["race"], 100, now) {
                    finish(b, &[dead(&job, "boom")], now);
                }
            }
        });
        let _stop = StopOnDrop(&inserted);
        (0..CHAINS)
            .map(|_| a.job_insert(&chain("race", STEPS)).expect("job_insert"))
            .collect()
    });
    for steps in &chains {
        assert_eq!(get(a, &steps[0]).status, JobState::Dead);
        for id in &steps[1..] {
            assert_eq!(get(a, id).status, JobState::Cancelled, "{id}");
        }
    }
}

/// Tells the killer thread to stop, even when the inserting side panics.
struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Purging a job (result TTL, `PurgeTarget::Completed`) deletes its dependency
/// edges, both ways; the edges of jobs not purged stay.
pub fn purge_takes_dependency_edges_with_the_job(store: &dyn Store) {
    let mut kept_briefly = new_job("purge", "a");
    kept_briefly.result_ttl_ms = Some(10);
    let graph = vec![
        node(kept_briefly, vec![]),
        node(new_job("purge", "b"), vec![DepRef::Batch(0)]),
        node(new_job("purge", "c"), vec![DepRef::Batch(1)]),
    ];
    let jobs_ids = store.job_insert(&graph).expect("job_insert");
    for (i, now) in [(0, T0 + 1), (1, T0 + 3)] {
        let jobs = claim(store, "w", &["purge"], 10, now);
        assert_eq!(ids(&jobs), vec![jobs_ids[i].clone()]);
        assert_eq!(finish(store, &[complete(&jobs[0])], now + 1), (1, 0));
    }
    assert_eq!(purge(store, PurgeTarget::ExpiredResults, T0 + 100), 1);
    assert!(store
        .job_links(&jobs_ids[1], Direction::DependsOn)
        .expect("deps")
        .is_empty());
    assert!(store
        .job_links(&jobs_ids[0], Direction::Dependents)
        .expect("dependents")
        .is_empty());
    assert_eq!(
        store
            .job_links(&jobs_ids[2], Direction::DependsOn)
            .expect("deps"),
        vec![jobs_ids[1].clone()],
        "edges between jobs still stored stay"
    );

    assert_eq!(purge(store, PurgeTarget::Completed, T0 + 100), 1);
    assert!(store
        .job_links(&jobs_ids[2], Direction::DependsOn)
        .expect("deps")
        .is_empty());
    assert!(store
        .job_links(&jobs_ids[1], Direction::Dependents)
        .expect("dependents")
        .is_empty());
    assert_eq!(
        get(store, &jobs_ids[2]).status,
        JobState::Pending,
        "c is ready"
    );
    assert_eq!(
        ids(&claim(store, "w", &["purge"], 10, T0 + 101)),
        vec![jobs_ids[2].clone()]
    );
}
