//! Behaviour specific to the SQLite store: opening, errors, lock contention
//! between processes, expiry.

use std::path::Path;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use rusqlite::{Connection, ErrorCode};
use taskito_core::{ClaimRequest, Error, JobState, NewJob, Store};
use taskito_sqlite::{SqliteOptions, SqliteStore};

const T0: i64 = 1_700_000_000_000;

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, SqliteOptions::default()).expect("open store")
}

fn claim_req(worker: &str, queue: &str, limit: u32, now: i64) -> ClaimRequest {
    ClaimRequest {
        worker_id: worker.to_owned(),
        queues: vec![queue.to_owned()],
        limit,
        now,
        lease_ms: 30_000,
    }
}

#[test]
fn empty_paths_and_uris_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let uri = format!("file:{}", dir.path().join("u.db").display());
    for path in ["", "file:x.db", "file::memory:?cache=shared", &uri] {
        match SqliteStore::open(path, SqliteOptions::default()) {
            Err(Error::InvalidInput(msg)) => assert!(msg.contains("use a file path"), "{msg}"),
            other => panic!("{path:?} should be rejected, got {other:?}"),
        }
    }
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none(),
        "a refused URI creates no file"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).expect("write");
    let err = SqliteStore::open(&path, SqliteOptions::default()).expect_err("not a database");
    let Error::Corrupt(msg, _) = &err else {
        panic!("expected Corrupt, got {err:?}")
    };
    assert!(msg.contains("notes.db"), "names the file: {msg}");
    // SQLite's own error is the source; the message says it in our words, as before.
    let cause = std::error::Error::source(&err)
        .and_then(|c| c.downcast_ref::<rusqlite::Error>())
        .expect("the rusqlite error is the source");
    assert_eq!(cause.sqlite_error_code(), Some(ErrorCode::NotADatabase));
    assert!(msg.ends_with(&format!("notes.db: {cause}")), "{msg}");
    assert_eq!(
        err.to_string(),
        format!("the database file is damaged or not a taskito database: {msg}")
    );
}

#[test]
fn missing_parent_directories_are_created_and_defaults_are_sane() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("a/b/c/taskito.db");
    let store = open(&path);
    assert!(path.exists());
    assert_eq!(store.path(), path.canonicalize().expect("absolute path"));
    let defaults = SqliteOptions::default();
    assert_eq!((defaults.durable, defaults.busy_wait_ms), (false, 60_000));
    let conn = Connection::open(&path).expect("raw");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    let steps = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("migrations dir")
        .count();
    assert_eq!(
        version,
        i64::try_from(steps).expect("a few steps"),
        "every step applied"
    );
}

#[test]
fn a_database_file_removed_while_open_is_reported_read_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gone.db");
    let store = open(&path);
    store
        .job_insert_many(&[NewJob::new("q", "t", vec![], T0)])
        .expect("insert");
    for name in ["gone.db", "gone.db-wal", "gone.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    match store.job_insert_many(&[NewJob::new("q", "t", vec![], T0)]) {
        Err(Error::ReadOnly(msg, _)) => assert!(msg.contains("gone.db was removed"), "{msg}"),
        other => panic!("a write into a deleted file must fail, got {other:?}"),
    }
    assert!(!path.exists(), "no empty database is created in its place");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("future.db");
    drop(open(&path));
    Connection::open(&path)
        .expect("raw")
        .pragma_update(None, "user_version", 99)
        .expect("bump");
    match SqliteStore::open(&path, SqliteOptions::default()) {
        Err(Error::Storage(msg, _)) => assert!(msg.contains("schema version 99"), "{msg}"),
        other => panic!("expected a schema error, got {other:?}"),
    }
}

#[test]
fn many_stores_can_open_a_fresh_file_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fresh.db");
    let stores: Vec<SqliteStore> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| SqliteStore::open(&path, SqliteOptions::default())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("open"))
            .collect()
    });
    let ids = stores[0]
        .job_insert_many(&[NewJob::new("q", "t", vec![], T0)])
        .expect("insert");
    for store in &stores {
        assert!(store.job_get(&ids[0]).expect("get").is_some());
    }
}

#[test]
fn a_duplicate_job_id_is_refused_and_nothing_of_the_batch_is_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("dup.db"));
    let job = NewJob::new("q", "t", vec![], T0);
    store
        .job_insert_many(std::slice::from_ref(&job))
        .expect("first insert");
    let fresh = NewJob::new("q", "t", vec![], T0);
    match store.job_insert_many(&[fresh.clone(), job.clone()]) {
        Err(Error::InvalidInput(msg)) => assert!(msg.contains(&job.id), "{msg}"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(
        store.job_get(&fresh.id).expect("get"),
        None,
        "the batch is one transaction"
    );
}

#[test]
fn expired_jobs_fail_instead_of_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("expiry.db"));
    let stale = NewJob {
        expires_at: Some(T0 + 100),
        ..NewJob::new("q", "t", vec![], T0)
    };
    let on_time = NewJob {
        expires_at: Some(T0 + 100),
        ..NewJob::new("q", "t", vec![], T0)
    };
    let other_queue = NewJob {
        expires_at: Some(T0 + 100),
        ..NewJob::new("elsewhere", "t", vec![], T0)
    };
    store
        .job_insert_many(&[stale.clone(), other_queue.clone()])
        .expect("insert");
    assert!(store
        .job_claim(&claim_req("w", "q", 10, T0 + 101))
        .expect("claim")
        .is_empty());
    for id in [&stale.id, &other_queue.id] {
        let job = store.job_get(id).expect("get").expect("job");
        assert_eq!(job.status, JobState::Failed);
        assert_eq!(job.error.as_deref(), Some("expired before it could run"));
        assert_eq!((job.completed_at, job.attempt), (Some(T0 + 101), 0));
    }
    store
        .job_insert_many(std::slice::from_ref(&on_time))
        .expect("insert");
    let claimed = store
        .job_claim(&claim_req("w", "q", 10, T0 + 100))
        .expect("claim");
    assert_eq!(claimed.len(), 1, "a job may still start at its expiry time");
    assert_eq!(store.job_stats().expect("stats").failed, 2);
}

#[test]
fn a_held_lock_is_waited_out_then_reported_as_busy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("locked.db");
    let patient = open(&path);
    let impatient = SqliteStore::open(
        &path,
        SqliteOptions {
            busy_wait_ms: 300,
            ..SqliteOptions::default()
        },
    )
    .expect("open");
    let holder = Connection::open(&path).expect("raw");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");

    let started = Instant::now();
    match impatient.job_insert_many(&[NewJob::new("q", "t", vec![], T0)]) {
        Err(Error::Busy {
            waited_ms,
            detail,
            cause,
        }) => {
            assert!(waited_ms >= 300, "gave up after {waited_ms} ms");
            assert!(detail.contains("locked.db"), "{detail}");
            let last = cause.expect("SQLite's last refusal is kept");
            let last = last
                .downcast_ref::<rusqlite::Error>()
                .expect("a rusqlite error");
            assert_eq!(last.sqlite_error_code(), Some(ErrorCode::DatabaseBusy));
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(patient
        .job_get("x")
        .expect("reads are not blocked by a writer")
        .is_none());

    std::thread::scope(|s| {
        s.spawn(move || {
            // The deliberate contention: hold the lock a while, then let go.
            std::thread::sleep(Duration::from_millis(200));
            holder.execute_batch("COMMIT").expect("release the lock");
        });
        let ids = patient
            .job_insert_many(&[NewJob::new("q", "t", vec![], T0)])
            .expect("waits for the lock");
        assert_eq!(ids.len(), 1);
    });
}

/// Two stores, as two processes would have, insert and claim from several
/// threads each for two seconds: no error ever, no job claimed twice, none lost.
#[test]
fn two_stores_hammering_one_file_never_fail_nor_double_claim() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hammer.db");
    let stores = [open(&path), open(&path)];
    let until = Instant::now() + Duration::from_secs(2);
    let (inserted, claimed): (Vec<String>, Vec<String>) = std::thread::scope(|s| {
        let mut inserters = Vec::new();
        let mut claimers = Vec::new();
        for (n, store) in stores.iter().enumerate() {
            inserters.push(s.spawn(move || {
                let mut ids = Vec::new();
                let mut round = 0_i64;
                while Instant::now() < until {
                    let batch: Vec<NewJob> = (0..20)
                        .map(|_| NewJob::new("h", "t", vec![1, 2, 3], T0 + round))
                        .collect();
                    ids.extend(
                        store
                            .job_insert_many(&batch)
                            .expect("insert under contention"),
                    );
                    round += 1;
                }
                ids
            }));
            for t in 0..2 {
                claimers.push(s.spawn(move || {
                    let worker = format!("store{n}-thread{t}");
                    let mut ids = Vec::new();
                    while Instant::now() < until {
                        let jobs = store
                            .job_claim(&claim_req(&worker, "h", 8, T0 + 1_000_000))
                            .expect("claim under contention");
                        let outcomes: Vec<_> = jobs
                            .iter()
                            .map(|j| taskito_core::Outcome::Complete {
                                job_id: j.id.clone(),
                                attempt: j.attempt,
                                result: None,
                            })
                            .collect();
                        let report = store
                            .job_finish_many(&outcomes, T0 + 1_000_001)
                            .expect("finish under contention");
                        assert_eq!(report.fenced, 0);
                        ids.extend(jobs.into_iter().map(|j| j.id));
                    }
                    ids
                }));
            }
        }
        let inserted = inserters
            .into_iter()
            .flat_map(|h| h.join().expect("inserter"))
            .collect();
        let claimed = claimers
            .into_iter()
            .flat_map(|h| h.join().expect("claimer"))
            .collect();
        (inserted, claimed)
    });
    let mut claimed = claimed;
    loop {
        let rest = stores[0]
            .job_claim(&claim_req("drain", "h", 500, T0 + 1_000_000))
            .expect("drain");
        if rest.is_empty() {
            break;
        }
        claimed.extend(rest.into_iter().map(|j| j.id));
    }
    let unique: std::collections::HashSet<&String> = claimed.iter().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice");
    assert_eq!(
        unique,
        inserted.iter().collect(),
        "every inserted job was claimed once"
    );
    assert!(
        inserted.len() > 100,
        "only {} jobs inserted in 2 s",
        inserted.len()
    );
}

/// The replay's metadata is JSON even when the original id is not a plain
/// word: the id is escaped as a JSON string.
#[test]
fn replay_metadata_escapes_the_original_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir.path().join("replay.db"));
    let id = "odd \"id\" \\ with\ttab";
    let job = NewJob {
        id: id.to_owned(),
        ..NewJob::new("q", "t", vec![], T0)
    };
    store.job_insert_many(&[job]).expect("insert");
    let copy = store.job_replay(id, T0 + 1).expect("replay");
    let metadata = store.job_get(&copy).expect("get").expect("replay").metadata;
    assert_eq!(
        metadata.as_deref(),
        Some(r#"{"replayed_from": "odd \"id\" \\ with\ttab"}"#)
    );
}
