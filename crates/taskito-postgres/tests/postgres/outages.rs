//! Outages and lost commits, made with a proxy in front of the server.

use std::collections::HashSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use taskito_core::{Error, JobState, Outcome, Store};
use taskito_postgres::{PostgresOptions, PostgresStore};

use super::support::TestSchema;
use super::{claim, closed_port, complete_all, jobs, proxied, wait_for_marker, T0};

/// A server that never answers: the call fails after the budget with the
/// host and port, and without the URL's password.
pub(super) fn unreachable_server_fails_after_the_budget_without_the_password() {
    let port = closed_port();
    let url = format!("postgresql://taskito:s3cret-pw@127.0.0.1:{port}/test");
    let started = Instant::now();
    let err = PostgresStore::connect(
        &url,
        PostgresOptions {
            reconnect_budget_ms: 500,
            ..PostgresOptions::default()
        },
    )
    .expect_err("nobody listens");
    let waited = started.elapsed();
    let message = err.to_string();
    assert!(matches!(err, Error::Unavailable(..)), "{message}");
    assert!(
        message.contains(&format!("cannot reach PostgreSQL at 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

/// R2/N3: every connection is cut and new ones are refused for a second; a
/// call made meanwhile waits it out and succeeds, and the marker still works.
pub(super) fn a_call_waits_out_a_short_outage() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();
    proxy.refuse(true);
    proxy.cut_all();
    let proxy = Arc::new(proxy);
    let healer = Arc::clone(&proxy);
    let heal = thread::spawn(move || {
        thread::sleep(Duration::from_secs(1));
        healer.refuse(false);
    });
    let started = Instant::now();
    let ids = store
        .job_insert_many(&jobs("q", 3))
        .expect("insert during the outage");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for the outage"
    );
    heal.join().expect("healer");
    assert_eq!(direct.job_stats().expect("stats").pending, 3);
    assert_eq!(
        store.job_get(&ids[2]).expect("get").map(|j| j.status),
        Some(JobState::Pending)
    );
    // The listener came back too: another store's insert moves the marker.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = store.change_marker().expect("marker");
        direct.job_insert_many(&jobs("q", 1)).expect("insert");
        if wait_for_marker(&store, before, Duration::from_millis(500)).is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the listener never came back");
    }
}

/// N2: the connection drops after the claim (one statement on its own) was
/// sent and run. The claim returns the jobs it claimed (not other ones, and
/// none twice); so does a batch of completions sent the same way.
pub(super) fn a_claim_whose_commit_was_lost_returns_what_it_claimed() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();
    // Prepared on this connection first, so that the claim below is sent as
    // Bind, Execute, Sync alone.
    assert!(claim(&store, "w", 3).is_empty());
    let ids = direct.job_insert_many(&jobs("q", 5)).expect("insert");
    proxy.cut_after_next_statement();
    let claimed = claim(&store, "w", 3);
    assert_eq!(proxy.commits_cut(), 1, "the statement was cut");
    assert_eq!(claimed.len(), 3);
    for job in &claimed {
        assert_eq!((job.status, job.attempt), (JobState::Running, 1));
        assert_eq!(direct.job_get(&job.id).expect("get").as_ref(), Some(job));
    }
    assert_eq!(
        direct.job_stats().expect("stats").running,
        3,
        "claimed once"
    );
    let rest = claim(&direct, "w2", 10);
    let all: HashSet<String> = claimed.iter().chain(&rest).map(|j| j.id.clone()).collect();
    assert_eq!(all, ids.into_iter().collect::<HashSet<_>>());

    // Completions: warm the statement up, then cut after it ran.
    complete_all(&store, &claimed[..1]);
    proxy.cut_after_next_statement();
    let outcomes: Vec<Outcome> = claimed[1..]
        .iter()
        .map(|j| Outcome::Complete {
            job_id: j.id.clone(),
            attempt: j.attempt,
            result: None,
        })
        .collect();
    let report = store.job_finish_many(&outcomes, T0 + 1).expect("finish");
    assert_eq!(proxy.commits_cut(), 2, "the statement was cut");
    assert_eq!(
        (report.applied, report.fenced),
        (0, 2),
        "replayed: what the lost statement applied is fenced"
    );
    assert_eq!(direct.job_stats().expect("stats").complete, 3);
}

/// N2 for inserts, replays and dead-letter retries: one row each, the ids the
/// lost commit wrote.
pub(super) fn writes_whose_commit_was_lost_are_not_repeated() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();

    let batch = jobs("q", 4);
    proxy.cut_after_next_commit();
    let ids = store.job_insert_many(&batch).expect("insert");
    assert_eq!(proxy.commits_cut(), 1);
    assert_eq!(ids, batch.iter().map(|j| j.id.clone()).collect::<Vec<_>>());
    assert_eq!(direct.job_stats().expect("stats").pending, 4);

    let job = claim(&direct, "w", 1).remove(0);
    let dead = Outcome::Dead {
        job_id: job.id.clone(),
        attempt: job.attempt,
        error: "boom".into(),
    };
    proxy.cut_after_next_commit();
    let report = store.job_finish_many(&[dead], T0 + 1).expect("finish");
    assert_eq!(proxy.commits_cut(), 2);
    assert_eq!(report.applied + report.fenced, 1, "{report:?}");
    assert_eq!(
        direct.dead_list(0, 0).expect("dead").len(),
        1,
        "dead-lettered once"
    );

    proxy.cut_after_next_commit();
    let copy = store.job_replay(&job.id, T0 + 2).expect("replay");
    assert_eq!(proxy.commits_cut(), 3);
    assert_eq!(direct.replay_history(&job.id).expect("history").len(), 1);
    assert_eq!(
        direct.job_get(&copy).expect("get").map(|j| j.status),
        Some(JobState::Pending)
    );

    let letter = direct.dead_list(0, 0).expect("dead").remove(0);
    proxy.cut_after_next_commit();
    let retried = store.dead_retry(&letter.id, T0 + 3).expect("dead_retry");
    assert_eq!(proxy.commits_cut(), 4);
    assert!(direct.job_get(&retried).expect("get").is_some());
    assert!(direct.dead_list(0, 0).expect("dead").is_empty());
    assert_eq!(direct.job_stats().expect("stats").pending, 3 + 1 + 1);
}
