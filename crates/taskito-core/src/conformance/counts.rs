//! The counts of [`Store::job_stats`] through the moves
//! `stats_stay_exact_through_every_transition` leaves out.

use super::fixtures::{claim, dead, finish, insert_one, new_job, running, T0};
use super::stats::listed_stats;
use crate::InsertJobs;
use crate::{JobState, Outcome, PeriodicSchedule, Store};

fn check(store: &dyn Store, what: &str) {
    assert_eq!(
        store.job_stats().expect("job_stats"),
        listed_stats(store),
        "after {what}"
    );
    store.compact_counts().expect("compact_counts");
    assert_eq!(
        store.job_stats().expect("job_stats"),
        listed_stats(store),
        "after {what} and a compaction"
    );
}

fn dependent(store: &dyn Store, on: &str) -> String {
    store
        .job_insert_dependent(&new_job("kids", "t"), &[on.to_owned()])
        .expect("job_insert_dependent")
}

fn status(store: &dyn Store, id: &str) -> JobState {
    store.job_get(id).expect("job_get").expect("the job").status
}

/// `job_stats` agrees with the jobs after a `Delay` outcome, a periodic tick,
/// and the cascades of a cancel, a `Cancelled` outcome and a `Dead` outcome
/// to pending dependents (and theirs).
pub fn stats_stay_exact_through_delays_ticks_and_cascades(store: &dyn Store) {
    let job = running(store, "d", "w", T0);
    let delay = Outcome::Delay {
        job_id: job.id.clone(),
        attempt: job.attempt,
        run_at: T0 + 10,
    };
    assert_eq!(finish(store, &[delay], T0 + 1), (1, 0));
    check(store, "a delay");

    let schedule = PeriodicSchedule {
        name: "every".to_owned(),
        task_name: "tasks.every".to_owned(),
        cron_expr: "* * * * *".to_owned(),
        timezone: "UTC".to_owned(),
        queue: "ticks".to_owned(),
        registered_at: T0,
        last_tick_at: None,
    };
    store
        .periodic_register(&[schedule])
        .expect("periodic_register");
    assert!(store
        .periodic_tick("every", T0 + 60_000, &new_job("ticks", "tasks.every"))
        .expect("periodic_tick"));
    check(store, "a periodic tick");

    let parent = insert_one(store, new_job("parents", "t"));
    let child = dependent(store, &parent);
    let grandchild = dependent(store, &child);
    assert!(store.job_cancel(&parent, T0 + 2).expect("job_cancel"));
    assert_eq!(status(store, &grandchild), JobState::Cancelled);
    check(store, "a cancel cascading to two dependents");

    let stopped = running(store, "stop", "w", T0);
    let waiting = dependent(store, &stopped.id);
    let outcome = Outcome::Cancelled {
        job_id: stopped.id.clone(),
        attempt: stopped.attempt,
        error: "stopped".to_owned(),
    };
    assert_eq!(finish(store, &[outcome], T0 + 3), (1, 0));
    assert_eq!(status(store, &waiting), JobState::Cancelled);
    check(store, "a cancelled outcome cascading");

    let doomed = running(store, "doom", "w", T0);
    let waiting = dependent(store, &doomed.id);
    let also = dependent(store, &waiting);
    assert_eq!(finish(store, &[dead(&doomed, "boom")], T0 + 4), (1, 0));
    assert_eq!(status(store, &also), JobState::Cancelled);
    check(store, "a death cascading");
    assert!(claim(store, "w", &["kids"], 10, T0 + 5).is_empty());
}
