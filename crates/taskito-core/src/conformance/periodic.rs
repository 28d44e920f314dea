//! Periodic schedules: registration, and each tick enqueued at most once.

use std::thread;

use super::fixtures::{get, new_job, T0};
use crate::{JobFilter, JobState, NewJob, PeriodicSchedule, Store};

fn schedule(name: &str, cron: &str) -> PeriodicSchedule {
    PeriodicSchedule {
        name: name.to_owned(),
        task_name: format!("tasks.{name}"),
        cron_expr: cron.to_owned(),
        timezone: "UTC".to_owned(),
        queue: "default".to_owned(),
        registered_at: T0,
        last_tick_at: None,
    }
}

fn tick_job(name: &str) -> NewJob {
    new_job("default", &format!("tasks.{name}"))
}

fn jobs_of(store: &dyn Store, task: &str) -> Vec<crate::Job> {
    store
        .job_list(
            &JobFilter {
                task_name: Some(task.to_owned()),
                ..JobFilter::default()
            },
            None,
        )
        .expect("job_list")
}

/// Registering inserts new schedules, updates known ones but keeps their last
/// tick, and lists them by name.
pub fn periodic_register_upserts_and_keeps_the_last_tick(store: &dyn Store) {
    assert!(store.periodic_list().expect("periodic_list").is_empty());
    let mut given = schedule("b", "* * * * *");
    given.last_tick_at = Some(T0); // ignored: the store owns the last tick
    given.registered_at = T0 - 7;
    let stored = store
        .periodic_register(&[given.clone(), schedule("a", "0 * * * * *")])
        .expect("periodic_register");
    let mut b = PeriodicSchedule {
        last_tick_at: None,
        ..given
    };
    assert_eq!(stored, vec![b.clone(), schedule("a", "0 * * * * *")]);

    assert!(store
        .periodic_tick("b", T0, &tick_job("b"))
        .expect("periodic_tick"));
    let mut changed = schedule("b", "*/5 * * * * *");
    changed.timezone = "Europe/Paris".into();
    changed.queue = r#"q "x"; --"#.into();
    changed.task_name = "tasks.other".into();
    changed.registered_at = T0 + 5_000; // ignored: the first registration is kept
    let stored = store
        .periodic_register(&[changed.clone()])
        .expect("periodic_register");
    changed.last_tick_at = Some(T0);
    changed.registered_at = T0 - 7;
    assert_eq!(stored, vec![changed.clone()], "the last tick is kept");
    b = changed;
    assert_eq!(
        store.periodic_list().expect("periodic_list"),
        vec![schedule("a", "0 * * * * *"), b]
    );
}

/// A tick is enqueued once: the same tick again, an earlier one, or a tick of
/// an unknown schedule enqueue nothing; a later one does.
pub fn periodic_tick_enqueues_each_tick_once(store: &dyn Store) {
    store
        .periodic_register(&[schedule("s", "* * * * * *")])
        .expect("periodic_register");
    let first = tick_job("s");
    assert!(store.periodic_tick("s", T0, &first).expect("tick"));
    let job = get(store, &first.id);
    assert_eq!(job.status, JobState::Pending);
    assert_eq!(job.task_name, "tasks.s");
    assert_eq!(job.payload, first.payload);

    let again = tick_job("s");
    assert!(!store.periodic_tick("s", T0, &again).expect("tick"));
    assert!(store.job_get(&again.id).expect("job_get").is_none());
    let earlier = tick_job("s");
    assert!(!store
        .periodic_tick("s", T0 - 1_000, &earlier)
        .expect("tick"));
    assert!(store.job_get(&earlier.id).expect("job_get").is_none());
    let unknown = tick_job("s");
    assert!(!store
        .periodic_tick("nope", T0 + 1_000, &unknown)
        .expect("tick"));
    assert!(store.job_get(&unknown.id).expect("job_get").is_none());

    assert!(store
        .periodic_tick("s", T0 + 1_000, &tick_job("s"))
        .expect("tick"));
    assert_eq!(jobs_of(store, "tasks.s").len(), 2);
    let listed = store.periodic_list().expect("periodic_list");
    assert_eq!(listed[0].last_tick_at, Some(T0 + 1_000));
}

/// Two stores (two workers) racing on the same ticks enqueue each tick once.
pub fn periodic_ticks_race_to_one_job_each(a: &dyn Store, b: &dyn Store) {
    a.periodic_register(&[schedule("race", "* * * * * *")])
        .expect("periodic_register");
    b.periodic_register(&[schedule("race", "* * * * * *")])
        .expect("periodic_register");
    let ticks: Vec<i64> = (0..30).map(|i| T0 + i * 1_000).collect();
    let won: usize = thread::scope(|s| {
        let handles: Vec<_> = [a, b, a, b]
            .into_iter()
            .map(|store| {
                let ticks = &ticks;
                s.spawn(move || {
                    ticks
                        .iter()
                        .filter(|&&t| {
                            store
                                .periodic_tick("race", t, &tick_job("race"))
                                .expect("tick")
                        })
                        .count()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("ticker")).sum()
    });
    let jobs = jobs_of(a, "tasks.race");
    assert_eq!(won, jobs.len(), "one job per successful tick");
    // Every racer tries every tick in order, so the first attempt to commit on
    // a tick finds no later tick taken: each tick is won exactly once.
    assert_eq!(won, ticks.len(), "{won} jobs for {} ticks", ticks.len());
    assert_eq!(
        a.periodic_list().expect("periodic_list")[0].last_tick_at,
        Some(T0 + 29_000)
    );
}
