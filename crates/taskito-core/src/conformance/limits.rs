//! Rate limit slots, circuit breakers, and the `Delay` outcome they use.

use super::fixtures::{claim, finish, get, running, T0};
use crate::{Admission, BreakerConfig, BreakerState, JobState, Outcome, Store};

const CFG: BreakerConfig = BreakerConfig {
    threshold: 2,
    window_ms: 1_000,
    cooldown_ms: 5_000,
};

fn acquire(store: &dyn Store, key: &str, job: &str, now: i64) -> Admission {
    store
        .rate_acquire(key, job, 100, now)
        .expect("rate_acquire")
}

fn admit(store: &dyn Store, job: &str, now: i64) -> Admission {
    store
        .breaker_admit("app.flaky", &CFG, job, now)
        .expect("breaker_admit")
}

fn record(store: &dyn Store, job: &str, failed: bool, now: i64) {
    store
        .breaker_record("app.flaky", &CFG, job, failed, now)
        .expect("breaker_record");
}

fn state(store: &dyn Store) -> (BreakerState, i32) {
    let list = store.breaker_list().expect("breaker_list");
    assert_eq!(list.len(), 1, "one breaker expected: {list:?}");
    (list[0].state, list[0].failure_count)
}

/// A `Delay` puts the job back to `pending` at `run_at` spending nothing (no
/// retry, no crash, no error); it is fenced like every outcome.
pub fn delay_outcome_reschedules_without_spending(store: &dyn Store) {
    let job = running(store, "dq", "w", T0);
    let delay = Outcome::Delay {
        job_id: job.id.clone(),
        attempt: job.attempt,
        run_at: T0 + 500,
    };
    assert_eq!(finish(store, std::slice::from_ref(&delay), T0 + 1), (1, 0));
    let after = get(store, &job.id);
    assert_eq!(after.status, JobState::Pending);
    assert_eq!(after.scheduled_at, T0 + 500);
    assert_eq!((after.retry_count, after.crash_count), (0, 0));
    assert_eq!(after.error, None);
    assert_eq!(after.lease_owner, None);
    assert!(claim(store, "w", &["dq"], 1, T0 + 499).is_empty());
    assert_eq!(finish(store, &[delay], T0 + 2), (0, 1), "stale delay");
    let again = claim(store, "w", &["dq"], 1, T0 + 500);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, job.attempt + 1);
}

/// Slots are `interval` apart; a job that must wait gets a reserved slot, is
/// told the same slot when it asks early, and runs on it without taking another.
pub fn rate_slots_are_spaced_and_reserved(store: &dyn Store) {
    assert_eq!(acquire(store, "k", "a", T0), Admission::Run);
    assert_eq!(acquire(store, "k", "b", T0), Admission::Delay(T0 + 100));
    assert_eq!(
        acquire(store, "k", "c", T0 + 10),
        Admission::Delay(T0 + 200)
    );
    assert_eq!(
        acquire(store, "k", "b", T0 + 50),
        Admission::Delay(T0 + 100)
    );
    assert_eq!(acquire(store, "k", "b", T0 + 100), Admission::Run);
    assert_eq!(
        acquire(store, "k", "d", T0 + 100),
        Admission::Delay(T0 + 300)
    );
    assert_eq!(
        acquire(store, "other", "e", T0),
        Admission::Run,
        "keys apart"
    );
    assert_eq!(acquire(store, "k", "f", T0 + 10_000), Admission::Run);
    assert_eq!(
        acquire(store, "k", "g", T0 + 10_000),
        Admission::Delay(T0 + 10_100)
    );
}

/// Two stores on one database draw from the same slots.
pub fn rate_slots_are_shared_between_stores(a: &dyn Store, b: &dyn Store) {
    assert_eq!(acquire(a, "k", "x", T0), Admission::Run);
    assert_eq!(acquire(b, "k", "y", T0), Admission::Delay(T0 + 100));
    assert_eq!(acquire(a, "k", "z", T0 + 1), Admission::Delay(T0 + 200));
}

/// No breaker is stored before a failure: jobs run and successes write nothing.
pub fn breaker_is_closed_until_failures(store: &dyn Store) {
    assert_eq!(admit(store, "a", T0), Admission::Run);
    record(store, "a", false, T0);
    assert!(store.breaker_list().expect("breaker_list").is_empty());
    record(store, "b", true, T0);
    assert_eq!(state(store), (BreakerState::Closed, 1));
    assert_eq!(admit(store, "c", T0 + 1), Admission::Run);
    // The window ran out: counting starts again.
    record(store, "d", true, T0 + 1_000);
    assert_eq!(state(store), (BreakerState::Closed, 1));
}

/// `threshold` failures in the window open the breaker; jobs wait for the
/// cooldown; then one trial runs while others wait; its success closes it.
pub fn breaker_opens_half_opens_and_closes(store: &dyn Store) {
    record(store, "a", true, T0);
    record(store, "b", true, T0 + 10);
    assert_eq!(state(store), (BreakerState::Open, 2));
    let listed = &store.breaker_list().expect("breaker_list")[0];
    assert_eq!(listed.task_name, "app.flaky");
    assert_eq!(listed.opened_at, Some(T0 + 10));
    assert_eq!(listed.last_failure_at, Some(T0 + 10));
    assert_eq!(
        (listed.threshold, listed.window_ms, listed.cooldown_ms),
        (2, 1_000, 5_000)
    );
    assert_eq!(admit(store, "c", T0 + 20), Admission::Delay(T0 + 5_010));
    assert_eq!(admit(store, "c", T0 + 5_010), Admission::Run);
    assert_eq!(state(store).0, BreakerState::HalfOpen);
    assert_eq!(admit(store, "d", T0 + 5_011), Admission::Delay(T0 + 6_011));
    record(store, "c", false, T0 + 5_100);
    assert_eq!(state(store), (BreakerState::Closed, 0));
    assert_eq!(admit(store, "d", T0 + 5_101), Admission::Run);
}

/// A failed trial opens the breaker again for another cooldown.
pub fn breaker_failed_trial_reopens(store: &dyn Store) {
    record(store, "a", true, T0);
    record(store, "b", true, T0);
    assert_eq!(admit(store, "t", T0 + 5_000), Admission::Run);
    record(store, "t", true, T0 + 5_050);
    assert_eq!(state(store), (BreakerState::Open, 3));
    assert_eq!(admit(store, "u", T0 + 5_060), Admission::Delay(T0 + 10_050));
}

/// A breaker opened through one store holds back jobs asking through another.
pub fn breaker_state_is_shared_between_stores(a: &dyn Store, b: &dyn Store) {
    record(a, "x", true, T0);
    record(b, "y", true, T0 + 1);
    assert_eq!(state(a), (BreakerState::Open, 2));
    assert_eq!(admit(b, "z", T0 + 2), Admission::Delay(T0 + 5_001));
}

/// `breaker_admit` on an unknown or closed breaker only reads: no breaker is
/// created, and a closed one keeps its stored settings even when asked with
/// others (they are recorded only by a write).
pub fn breaker_admit_on_a_closed_or_unknown_breaker_writes_nothing(store: &dyn Store) {
    assert_eq!(admit(store, "a", T0), Admission::Run);
    assert!(
        store.breaker_list().expect("breaker_list").is_empty(),
        "admitting on an unknown breaker creates none"
    );
    record(store, "a", true, T0);
    let stored = store.breaker_list().expect("breaker_list");
    let other = BreakerConfig {
        threshold: 9,
        window_ms: 9,
        cooldown_ms: 9,
    };
    assert_eq!(
        store
            .breaker_admit("app.flaky", &other, "b", T0 + 1)
            .expect("breaker_admit"),
        Admission::Run
    );
    assert_eq!(store.breaker_list().expect("breaker_list"), stored);
}

/// An open breaker past its cool-down admits one job as its probe and records
/// it (half-open, the trial job and its start); other jobs then wait.
pub fn an_open_breaker_past_its_cooldown_admits_one_probe(store: &dyn Store) {
    record(store, "a", true, T0);
    record(store, "b", true, T0);
    assert_eq!(admit(store, "p", T0 + 5_000), Admission::Run);
    let listed = &store.breaker_list().expect("breaker_list")[0];
    assert_eq!(listed.state, BreakerState::HalfOpen);
    assert_eq!(listed.trial_job_id.as_deref(), Some("p"));
    assert_eq!(listed.trial_started_at, Some(T0 + 5_000));
    assert_eq!(admit(store, "q", T0 + 5_001), Admission::Delay(T0 + 6_001));
    assert_eq!(
        admit(store, "p", T0 + 5_002),
        Admission::Run,
        "the probe again"
    );
}

/// Slots handed out by `threads` threads on each store at one `now`: every
/// call takes a new slot (`now` for a job that runs, the delay's time
/// otherwise).
fn race_for_slots(stores: &[&dyn Store], threads: usize, calls: usize) -> Vec<i64> {
    std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .flat_map(|(i, store)| (0..threads).map(move |t| (i, t, *store)))
            .map(|(i, t, store)| {
                s.spawn(move || {
                    (0..calls)
                        .map(
                            |c| match acquire(store, "race", &format!("{i}-{t}-{c}"), T0) {
                                Admission::Run => T0,
                                Admission::Delay(slot) => slot,
                            },
                        )
                        .collect::<Vec<i64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("acquiring thread"))
            .collect()
    })
}

/// Two stores on one database taking rate slots concurrently never hand out
/// the same slot, and the slots are `interval_ms` apart with none skipped.
pub fn concurrent_rate_slots_are_unique_and_spaced(a: &dyn Store, b: &dyn Store) {
    let mut slots = race_for_slots(&[a, b], 2, 25);
    slots.sort_unstable();
    let expected: Vec<i64> = (0..100).map(|n| T0 + 100 * n).collect();
    assert_eq!(slots, expected, "one slot each, 100 ms apart from now");
}

/// Two stores admitting jobs concurrently on an open breaker past its
/// cool-down let exactly one probe through.
pub fn concurrent_admits_let_one_probe_through(a: &dyn Store, b: &dyn Store) {
    record(a, "x", true, T0);
    record(b, "y", true, T0);
    let runs: usize = std::thread::scope(|s| {
        let handles: Vec<_> = [a, b, a, b]
            .into_iter()
            .enumerate()
            .map(|(t, store)| {
                s.spawn(move || {
                    (0..10)
                        .filter(|c| admit(store, &format!("{t}-{c}"), T0 + 5_000) == Admission::Run)
                        .count()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("admitting thread"))
            .sum()
    });
    assert_eq!(runs, 1, "one probe per cool-down");
    assert_eq!(state(a).0, BreakerState::HalfOpen);
}
