//! Replaying a job and the history of its replays.

use super::fixtures::{claim, dead, finish, get, insert_one, new_job, T0};
use crate::{Error, JobState, NewJob, Outcome, Store};

fn replay(store: &dyn Store, id: &str, now: i64) -> String {
    store.job_replay(id, now).expect("job_replay")
}

/// A job of `queue` with every setting away from its default, run to `dead`
/// with the error "boom"; returns its id.
fn failed_original(store: &dyn Store, queue: &str) -> (NewJob, String) {
    let new = NewJob {
        payload: b"\x00replay me\xff".to_vec(),
        priority: 4,
        max_retries: 7,
        backoff_ms: 55,
        timeout_ms: 4_321,
        unique_key: Some(format!("{queue}-key")),
        metadata: Some(r#"{"trace":"t-1"}"#.into()),
        expires_at: Some(T0 + 1_000),
        result_ttl_ms: Some(86_400_000),
        ..new_job(queue, "app.replayable")
    };
    let id = insert_one(store, new.clone());
    let job = claim(store, "w", &[queue], 1, T0).remove(0);
    assert_eq!(finish(store, &[dead(&job, "boom")], T0 + 10), (1, 0));
    (new, id)
}

/// A replay is a new pending job doing the same work with the same settings,
/// runnable at once, whose metadata names the original; the original is left
/// as it was. An unknown id is `NotFound` and enqueues nothing.
pub fn replay_copies_the_work_under_a_new_id(store: &dyn Store) {
    let (new, id) = failed_original(store, "rq");
    let before = get(store, &id);
    let now = T0 + 5_000;
    let copy_id = replay(store, &id, now);
    assert_ne!(copy_id, id);

    let copy = get(store, &copy_id);
    assert_eq!(
        (copy.queue.as_str(), copy.task_name.as_str()),
        ("rq", "app.replayable")
    );
    assert_eq!(copy.payload, new.payload);
    assert_eq!(
        (
            copy.priority,
            copy.max_retries,
            copy.backoff_ms,
            copy.timeout_ms,
            copy.result_ttl_ms
        ),
        (4, 7, 55, 4_321, Some(86_400_000))
    );
    assert_eq!(
        copy.metadata,
        Some(format!(r#"{{"replayed_from": "{id}"}}"#)),
        "exactly this JSON text"
    );
    assert_eq!(copy.status, JobState::Pending);
    assert_eq!(
        (copy.attempt, copy.retry_count, copy.crash_count),
        (0, 0, 0)
    );
    assert_eq!((copy.created_at, copy.scheduled_at), (now, now));
    assert_eq!(
        (
            copy.started_at,
            copy.completed_at,
            copy.error,
            copy.progress
        ),
        (None, None, None, None)
    );
    assert_eq!((copy.lease_owner, copy.result), (None, None));
    assert!(!copy.cancel_requested);
    assert_eq!(
        (copy.unique_key, copy.expires_at),
        (None, None),
        "only the listed settings are copied"
    );
    assert_eq!(get(store, &id), before, "the original is untouched");

    let claimed = claim(store, "w", &["rq"], 10, now);
    assert_eq!(claimed.len(), 1, "the replay runs at once");
    assert_eq!(claimed[0].id, copy_id);

    let stats = store.job_stats().expect("job_stats");
    assert!(matches!(
        store.job_replay("no-such-job", now),
        Err(Error::NotFound(_))
    ));
    assert_eq!(store.job_stats().expect("job_stats"), stats);
    assert!(store
        .replay_history("no-such-job")
        .expect("replay_history")
        .is_empty());
}

/// Each replay of a job is recorded, oldest first, with the original's error
/// and the replay's error as they are when the history is read.
pub fn replay_history_lists_replays_with_current_errors(store: &dyn Store) {
    let (_, id) = failed_original(store, "rh");
    let (_, other) = failed_original(store, "other");
    assert!(store
        .replay_history(&id)
        .expect("replay_history")
        .is_empty());

    let first = replay(store, &id, T0 + 100);
    let history = store.replay_history(&id).expect("replay_history");
    assert_eq!(history.len(), 1);
    let row = &history[0];
    assert_eq!(
        (
            row.original_job_id.as_str(),
            row.replay_job_id.as_str(),
            row.replayed_at
        ),
        (id.as_str(), first.as_str(), T0 + 100)
    );
    assert_eq!(
        (row.original_error.as_deref(), row.replay_error.as_deref()),
        (Some("boom"), None)
    );

    let running = claim(store, "w", &["rh"], 1, T0 + 100).remove(0);
    assert_eq!(running.id, first);
    let retry = Outcome::Retry {
        job_id: first.clone(),
        attempt: running.attempt,
        error: "still broken".into(),
        run_at: T0 + 10_000,
    };
    assert_eq!(finish(store, &[retry], T0 + 150), (1, 0));
    let second = replay(store, &id, T0 + 200);
    replay(store, &other, T0 + 300);

    let history = store.replay_history(&id).expect("replay_history");
    let rows: Vec<(&str, i64, Option<&str>, Option<&str>)> = history
        .iter()
        .map(|r| {
            (
                r.replay_job_id.as_str(),
                r.replayed_at,
                r.original_error.as_deref(),
                r.replay_error.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (first.as_str(), T0 + 100, Some("boom"), Some("still broken")),
            (second.as_str(), T0 + 200, Some("boom"), None),
        ]
    );
    assert!(history.iter().all(|r| r.original_job_id == id));
    assert_ne!(history[0].id, history[1].id);
    assert!(
        store
            .replay_history(&first)
            .expect("replay_history")
            .is_empty(),
        "the history is of replays made of a job, not of where it came from"
    );
    assert_eq!(
        store.replay_history(&other).expect("replay_history").len(),
        1
    );
}
