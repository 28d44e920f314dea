//! Jobs that wait for other jobs: release on completion, cascade cancel when
//! a dependency cannot complete, refusal of impossible dependencies.

use super::fixtures::{claim, complete, dead, finish, get, ids, insert_one, new_job, T0};
use crate::InsertJobs;
use crate::{Direction, Error, Job, JobState, NewJob, Outcome, Store};

fn after(store: &dyn Store, job: NewJob, deps: &[&String]) -> String {
    let deps: Vec<String> = deps.iter().map(|d| (*d).clone()).collect();
    store
        .job_insert_dependent(&job, &deps)
        .expect("job_insert_dependent")
}

fn claim_one(store: &dyn Store, queue: &str, now: i64) -> Job {
    let mut jobs = claim(store, "w", &[queue], 1, now);
    assert_eq!(jobs.len(), 1, "one job of {queue} should be ready");
    jobs.pop().expect("one job")
}

fn status(store: &dyn Store, id: &str) -> JobState {
    get(store, id).status
}

/// A dependent stays pending and unclaimable until every dependency is
/// complete, whatever the order; listing shows the edges both ways.
pub fn dependent_waits_for_every_dependency(store: &dyn Store) {
    let a = insert_one(store, new_job("deps", "a"));
    let b = insert_one(store, new_job("deps", "b"));
    let c = after(store, new_job("next", "c"), &[&b, &a, &b]);
    assert_eq!(status(store, &c), JobState::Pending);
    assert!(
        claim(store, "w", &["next"], 10, T0 + 1).is_empty(),
        "c waits"
    );
    assert_eq!(
        store.job_links(&c, Direction::DependsOn).expect("deps"),
        vec![b.clone(), a.clone()]
    );
    assert_eq!(
        store
            .job_links(&a, Direction::Dependents)
            .expect("dependents"),
        vec![c.clone()]
    );
    assert!(store
        .job_links(&a, Direction::DependsOn)
        .expect("deps")
        .is_empty());
    assert!(store
        .job_links("no-such-job", Direction::Dependents)
        .expect("deps")
        .is_empty());

    let first = claim(store, "w", &["deps"], 10, T0 + 1);
    assert_eq!(first.len(), 2);
    assert_eq!(finish(store, &[complete(&first[0])], T0 + 2), (1, 0));
    assert!(
        claim(store, "w", &["next"], 10, T0 + 3).is_empty(),
        "c waits for one more"
    );
    assert_eq!(finish(store, &[complete(&first[1])], T0 + 4), (1, 0));
    let ready = claim(store, "w", &["next"], 10, T0 + 5);
    assert_eq!(ids(&ready), vec![c], "released by the last completion");
}

/// Dependencies completed in one batch release their dependent in it; one
/// already complete at insert does not hold the dependent at all.
pub fn batch_completion_releases_and_complete_dependencies_do_not_block(store: &dyn Store) {
    let a = insert_one(store, new_job("deps", "a"));
    let b = insert_one(store, new_job("deps", "b"));
    let c = after(store, new_job("next", "c"), &[&a, &b]);
    let both = claim(store, "w", &["deps"], 10, T0);
    let outcomes: Vec<Outcome> = both.iter().map(complete).collect();
    assert_eq!(finish(store, &outcomes, T0 + 1), (2, 0));
    assert_eq!(ids(&claim(store, "w", &["next"], 10, T0 + 2)), vec![c]);

    let d = after(store, new_job("later", "d"), &[&a]);
    assert_eq!(ids(&claim(store, "w", &["later"], 10, T0 + 3)), vec![d]);
}

/// An unknown dependency, or one already dead, failed or cancelled, is
/// refused with [`Error::Dependency`] and nothing is inserted.
pub fn impossible_dependencies_are_refused(store: &dyn Store) {
    let gone = new_job("deps", "x");
    let missing = "no-such-job".to_owned();
    let err = store
        .job_insert_dependent(&gone, &[missing])
        .expect_err("unknown dependency");
    assert!(
        matches!(&err, Error::Dependency(m) if m.contains("no-such-job")),
        "{err}"
    );
    assert_eq!(store.job_get(&gone.id).expect("job_get"), None);

    let cancelled = insert_one(store, new_job("deps", "a"));
    assert!(store.job_cancel(&cancelled, T0).expect("cancel"));
    let died = insert_one(store, new_job("dying", "b"));
    let job = claim_one(store, "dying", T0);
    assert_eq!(finish(store, &[dead(&job, "boom")], T0 + 1), (1, 0));
    let ok = insert_one(store, new_job("deps", "ok"));
    for bad in [&cancelled, &died] {
        let refused = new_job("deps", "x");
        let err = store
            .job_insert_dependent(&refused, &[ok.clone(), bad.clone()])
            .expect_err("ended dependency");
        assert!(
            matches!(&err, Error::Dependency(m) if m.contains(bad.as_str())),
            "{err}"
        );
        assert_eq!(store.job_get(&refused.id).expect("job_get"), None);
    }
    assert!(store
        .job_links(&ok, Direction::Dependents)
        .expect("dependents")
        .is_empty());
}

/// A dependency that dies cancels its pending dependents and theirs, each
/// with an error naming its own dependency; other jobs are untouched.
pub fn death_cascades_through_the_graph(store: &dyn Store) {
    let a = insert_one(store, new_job("root", "a"));
    let other = insert_one(store, new_job("other", "o"));
    let b = after(store, new_job("mid", "b"), &[&a]);
    let c = after(store, new_job("leaf", "c"), &[&b]);
    let d = after(store, new_job("leaf", "d"), &[&b, &other]);
    let job = claim_one(store, "root", T0);
    assert_eq!(finish(store, &[dead(&job, "boom")], T0 + 1), (1, 0));
    for (id, parent) in [(&b, &a), (&c, &b), (&d, &b)] {
        let j = get(store, id);
        assert_eq!(j.status, JobState::Cancelled, "{id}");
        let error = j.error.unwrap_or_default();
        assert!(error.contains(parent.as_str()), "{id}: {error}");
        assert_eq!(j.completed_at, Some(T0 + 1));
    }
    assert_eq!(status(store, &other), JobState::Pending);
    assert!(claim(store, "w", &["mid", "leaf"], 10, T0 + 2).is_empty());
}

/// Cancelling a pending job, a running job ending cancelled, and a job
/// expiring before it ran all cancel their dependents.
pub fn cancel_and_expiry_cascade(store: &dyn Store) {
    let a = insert_one(store, new_job("idle", "a"));
    let b = after(store, new_job("next", "b"), &[&a]);
    let c = after(store, new_job("next", "c"), &[&b]);
    assert!(store.job_cancel(&a, T0).expect("cancel"));
    assert_eq!(status(store, &b), JobState::Cancelled);
    assert_eq!(status(store, &c), JobState::Cancelled);
    assert!(
        !store.job_cancel(&b, T0).expect("cancel"),
        "already cancelled"
    );

    let r = insert_one(store, new_job("run", "r"));
    let after_r = after(store, new_job("next", "d"), &[&r]);
    let job = claim_one(store, "run", T0);
    let stopped = Outcome::Cancelled {
        job_id: job.id.clone(),
        attempt: job.attempt,
        error: "stopped".to_owned(),
    };
    assert_eq!(finish(store, &[stopped], T0 + 1), (1, 0));
    assert_eq!(status(store, &after_r), JobState::Cancelled);

    let mut expiring = new_job("late", "e");
    expiring.expires_at = Some(T0 + 10);
    let e = insert_one(store, expiring);
    let after_e = after(store, new_job("next", "f"), &[&e]);
    assert!(claim(store, "w", &["other"], 1, T0 + 11).is_empty());
    assert_eq!(status(store, &e), JobState::Failed);
    let j = get(store, &after_e);
    assert_eq!(j.status, JobState::Cancelled);
    assert!(j.error.unwrap_or_default().contains(e.as_str()));
}
