//! Speed checks, ignored by default (they mean something only in release):
//! `cargo test --release -p taskito-sqlite --test perf -- --ignored --nocapture`

use std::time::Instant;
use taskito_core::InsertJobs;

use rusqlite::Connection;
use taskito_core::{ClaimRequest, NewJob, Outcome, Store};
use taskito_sqlite::{SqliteOptions, SqliteStore};

const T0: i64 = 1_700_000_000_000;

fn claim_req(limit: u32) -> ClaimRequest {
    ClaimRequest {
        worker_id: "w".into(),
        queues: vec!["default".into()],
        limit,
        now: T0 + 1,
        lease_ms: 30_000,
    }
}

#[test]
#[ignore = "timing; run in release"]
fn inserting_ten_thousand_jobs_takes_well_under_100_ms() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        SqliteStore::open(dir.path().join("perf.db"), SqliteOptions::default()).expect("open");
    for round in 0..3 {
        let jobs: Vec<NewJob> = (0..10_000)
            .map(|_| NewJob::new("default", "app.noop", vec![7; 64], T0))
            .collect();
        let started = Instant::now();
        store.job_insert_many(&jobs).expect("insert");
        let took = started.elapsed();
        println!("round {round}: inserted 10k jobs in {took:?}");
        assert!(took.as_millis() < 100, "{took:?}");
    }
}

#[test]
#[ignore = "timing; run in release"]
fn claiming_two_jobs_ignores_a_million_finished_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.db");
    let store = SqliteStore::open(&path, SqliteOptions::default()).expect("open");
    let started = Instant::now();
    let raw = Connection::open(&path).expect("raw");
    raw.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
         INSERT INTO jobs (id, queue, task_name, status, priority, created_at, scheduled_at,
                           completed_at, max_retries, backoff_ms, timeout_ms, payload)
         SELECT printf('done-%08d', i), 'default', 'app.noop', 'complete', 0, {T0}, {T0}, {T0},
                3, 1000, 300000, x'00'
         FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO jobs (id, queue, task_name, status, priority, created_at, scheduled_at,
                           max_retries, backoff_ms, timeout_ms, payload)
         SELECT printf('todo-%08d', i), CASE i % 2 WHEN 0 THEN 'default' ELSE 'other' END,
                'app.noop', 'pending', i % 5, {T0}, {T0} + i % 1000, 3, 1000, 300000, x'00'
         FROM n;"
    ))
    .expect("fill");
    // Fold the huge fill into the main file now, not in the first claim's commit.
    raw.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    println!("filled 1.1M rows in {:?}", started.elapsed());
    let mut times = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        let jobs = store
            .job_claim(&ClaimRequest {
                now: T0 + 10_000,
                ..claim_req(2)
            })
            .expect("claim");
        times.push(started.elapsed());
        assert_eq!(jobs.len(), 2);
    }
    times.sort();
    let (median, p99) = (times[times.len() / 2], times[times.len() * 99 / 100]);
    println!(
        "claim of 2 among 100k pending / 1M complete: median {median:?}, p99 {p99:?}, max {:?}",
        times[times.len() - 1]
    );
    assert!(median.as_millis() < 2, "{median:?}");
}

#[test]
#[ignore = "timing; run in release"]
fn claim_and_complete_throughput() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        SqliteStore::open(dir.path().join("tp.db"), SqliteOptions::default()).expect("open");
    let total = 50_000;
    let jobs: Vec<NewJob> = (0..total)
        .map(|_| NewJob::new("default", "app.noop", vec![1; 32], T0))
        .collect();
    let started = Instant::now();
    for chunk in jobs.chunks(1_000) {
        store.job_insert_many(chunk).expect("insert");
    }
    let inserted = started.elapsed();
    let started = Instant::now();
    let mut done = 0;
    loop {
        let claimed = store.job_claim(&claim_req(64)).expect("claim");
        if claimed.is_empty() {
            break;
        }
        let outcomes: Vec<Outcome> = claimed
            .iter()
            .map(|j| Outcome::Complete {
                job_id: j.id.clone(),
                attempt: j.attempt,
                result: Some(vec![0x80]),
            })
            .collect();
        done += store
            .job_finish_many(&outcomes, T0 + 2)
            .expect("finish")
            .applied;
    }
    let ran = started.elapsed();
    assert_eq!(done, total);
    println!(
        "inserted {total} in {inserted:?} ({:.0}/s); claimed+completed in batches of 64 in {ran:?} ({:.0}/s)",
        f64::from(u32::try_from(total).unwrap_or(u32::MAX)) / inserted.as_secs_f64(),
        f64::from(u32::try_from(total).unwrap_or(u32::MAX)) / ran.as_secs_f64()
    );
}
