//! Real processes sharing one database file: this test binary starts copies
//! of itself, each opening its own store, and they all insert, claim and
//! complete at once. Separate processes matter: within one process SQLite
//! shares file locks between connections, so threads alone do not exercise
//! the cross-process locking path.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use taskito_core::{ClaimRequest, NewJob, Outcome, Store};
use taskito_sqlite::{SqliteOptions, SqliteStore};

const CHILD_ENV: &str = "TASKITO_SQLITE_HAMMER_DIR";
const T0: i64 = 1_700_000_000_000;
const RUN: Duration = Duration::from_secs(2);

fn claim_req(worker: &str, limit: u32) -> ClaimRequest {
    ClaimRequest {
        worker_id: worker.to_owned(),
        queues: vec!["p".into()],
        limit,
        now: T0 + 1,
        lease_ms: 60_000,
    }
}

/// Inserts and claims for `RUN`; writes what it inserted and claimed to files
/// named after `me` in `dir`. Any storage error panics (a failed process).
fn hammer(dir: &Path, me: &str) {
    let store = SqliteStore::open(dir.join("shared.db"), SqliteOptions::default()).expect("open");
    let (mut inserted, mut claimed) = (Vec::new(), Vec::new());
    let until = Instant::now() + RUN;
    while Instant::now() < until {
        let batch: Vec<NewJob> = (0..10)
            .map(|_| NewJob::new("p", "t", vec![9; 16], T0))
            .collect();
        inserted.extend(store.job_insert_many(&batch).expect("insert"));
        let jobs = store.job_claim(&claim_req(me, 8)).expect("claim");
        let outcomes: Vec<Outcome> = jobs
            .iter()
            .map(|j| Outcome::Complete {
                job_id: j.id.clone(),
                attempt: j.attempt,
                result: None,
            })
            .collect();
        assert_eq!(
            store
                .job_finish_many(&outcomes, T0 + 2)
                .expect("finish")
                .fenced,
            0
        );
        claimed.extend(jobs.into_iter().map(|j| j.id));
        store.change_marker().expect("change marker");
    }
    std::fs::write(dir.join(format!("{me}.inserted")), inserted.join("\n")).expect("write ids");
    std::fs::write(dir.join(format!("{me}.claimed")), claimed.join("\n")).expect("write ids");
}

/// Does nothing in a normal run; in a child started by the test below, it is
/// the child's work.
#[test]
fn hammer_child() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        hammer(Path::new(&dir), &format!("child-{}", std::process::id()));
    }
}

fn read_ids(dir: &Path, suffix: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == suffix) {
            let text = std::fs::read_to_string(&path).expect("read ids");
            ids.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_owned));
        }
    }
    ids
}

#[test]
fn three_processes_share_one_file_without_errors_or_double_claims() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "hammer_child",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env(CHILD_ENV, dir.path())
                .spawn()
                .expect("start a child process")
        })
        .collect();
    hammer(dir.path(), "parent");
    for mut child in children {
        assert!(
            child.wait().expect("child exit").success(),
            "a child process failed"
        );
    }

    let store =
        SqliteStore::open(dir.path().join("shared.db"), SqliteOptions::default()).expect("open");
    let mut claimed = read_ids(dir.path(), "claimed");
    loop {
        let rest = store.job_claim(&claim_req("drain", 1_000)).expect("drain");
        if rest.is_empty() {
            break;
        }
        claimed.extend(rest.into_iter().map(|j| j.id));
    }
    let inserted = read_ids(dir.path(), "inserted");
    let unique: HashSet<&String> = claimed.iter().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice");
    assert_eq!(
        unique,
        inserted.iter().collect::<HashSet<_>>(),
        "every job was claimed once"
    );
    assert!(
        inserted.len() > 100,
        "only {} jobs in {RUN:?}",
        inserted.len()
    );
    println!(
        "{} jobs inserted and claimed by 3 processes in {RUN:?}",
        inserted.len()
    );
}
