//! Schema upgrades: a database created by an older taskito is brought up to
//! date at open, keeping its jobs.

use rusqlite::Connection;
use taskito_core::{JobState, Outcome, PurgeTarget, Store};
use taskito_sqlite::{SqliteOptions, SqliteStore};

const T0: i64 = 1_700_000_000_000;

/// The schema version of this taskito: one step per file in `migrations/`.
fn latest() -> i64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let steps = std::fs::read_dir(dir).expect("migrations dir").count();
    i64::try_from(steps).expect("a few steps")
}

fn user_version(conn: &Connection) -> i64 {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

fn has_object(conn: &Connection, kind: &str, name: &str) -> bool {
    conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = ?1 AND name = ?2",
        [kind, name],
        |r| r.get::<_, i64>(0),
    )
    .expect("sqlite_schema")
        == 1
}

/// A file at version 1 (as the first release left it, with a job in it) gets
/// step 2 at open: the replay history, the result-expiry index, and every
/// feature that needs them works on the old job.
#[test]
fn a_version_1_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).expect("raw");
        conn.execute_batch(include_str!("../migrations/0001_init.sql"))
            .expect("schema v1");
        conn.pragma_update(None, "user_version", 1)
            .expect("version 1");
        conn.execute(
            "INSERT INTO jobs (id, queue, task_name, status, priority, created_at, scheduled_at, \
             max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload) \
             VALUES ('old-job', 'q', 't', 'pending', 0, ?1, ?1, 3, 1000, 300000, 500, x'00')",
            [T0],
        )
        .expect("an old job");
        assert!(!has_object(&conn, "table", "replay_history"));
    }

    let store = SqliteStore::open(&path, SqliteOptions::default()).expect("open v1 file");
    let conn = Connection::open(&path).expect("raw");
    assert_eq!(user_version(&conn), latest());
    assert!(has_object(&conn, "table", "replay_history"));
    assert!(has_object(&conn, "table", "circuit_breakers"));
    assert!(has_object(&conn, "index", "replay_history_original"));
    assert!(has_object(&conn, "index", "jobs_result_expiry"));

    let req = taskito_core::ClaimRequest {
        worker_id: "w".into(),
        queues: vec!["q".into()],
        limit: 1,
        now: T0,
        lease_ms: 1_000,
    };
    let job = store.job_claim(&req).expect("claim").remove(0);
    assert_eq!(job.id, "old-job");
    let done = Outcome::Complete {
        job_id: job.id.clone(),
        attempt: job.attempt,
        result: None,
    };
    assert_eq!(
        store
            .job_finish_many(&[done], T0 + 10)
            .expect("finish")
            .applied,
        1
    );
    let copy = store.job_replay("old-job", T0 + 20).expect("replay");
    assert_eq!(store.replay_history("old-job").expect("history").len(), 1);
    assert_eq!(
        store
            .purge(PurgeTarget::ExpiredResults, T0 + 510)
            .expect("purge"),
        1
    );
    assert_eq!(store.job_get("old-job").expect("get"), None);
    let copy = store
        .job_get(&copy)
        .expect("get")
        .expect("the replay stays");
    assert_eq!(copy.status, JobState::Pending);

    drop(store);
    SqliteStore::open(&path, SqliteOptions::default()).expect("reopen at the latest version");
    assert_eq!(user_version(&conn), latest(), "each step runs once");
}
