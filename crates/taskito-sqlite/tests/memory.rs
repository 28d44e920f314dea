//! `SqliteStore::open(":memory:")`: one shared-cache memory database per store,
//! for all of its connections.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use taskito_core::{ClaimRequest, JobFilter, JobState, NewJob, Outcome, Store};
use taskito_sqlite::{SqliteOptions, SqliteStore};

const T0: i64 = 1_700_000_000_000;

fn memory() -> SqliteStore {
    SqliteStore::open(":memory:", SqliteOptions::default()).expect("open a memory store")
}

fn claim_req(worker: &str, limit: u32) -> ClaimRequest {
    ClaimRequest {
        worker_id: worker.to_owned(),
        queues: vec!["q".to_owned()],
        limit,
        now: T0 + 1_000,
        lease_ms: 30_000,
    }
}

fn complete(job: &taskito_core::Job, result: Option<Vec<u8>>) -> Outcome {
    Outcome::Complete {
        job_id: job.id.clone(),
        attempt: job.attempt,
        result,
    }
}

#[test]
fn every_single_store_conformance_check_passes_in_memory() {
    for (name, check) in taskito_core::conformance::CHECKS {
        let store = memory();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&store)));
        assert!(outcome.is_ok(), "conformance check {name} failed in memory");
    }
}

#[test]
fn a_claim_and_finish_round_trip_and_no_file_is_made() {
    let store = memory();
    assert_eq!(store.path(), Path::new(":memory:"));
    let marker = store.change_marker().expect("marker");
    let ids = store
        .job_insert_many(&[NewJob::new("q", "t", vec![7], T0)])
        .expect("insert");
    // Readers (opened on first need) see the writer's commit: one database.
    let job = store.job_get(&ids[0]).expect("get").expect("the job");
    assert_eq!(
        (job.status, job.payload.as_slice()),
        (JobState::Pending, &[7][..])
    );
    let claimed = store.job_claim(&claim_req("w", 10)).expect("claim");
    assert_eq!(claimed.len(), 1);
    let report = store
        .job_finish_many(&[complete(&claimed[0], Some(b"42".to_vec()))], T0 + 2_000)
        .expect("finish");
    assert_eq!((report.applied, report.fenced), (1, 0));
    let done = store.job_get(&ids[0]).expect("get").expect("the job");
    assert_eq!(done.status, JobState::Complete);
    assert_eq!(done.result.as_deref(), Some(&b"42"[..]));
    assert_eq!(store.job_stats().expect("stats").complete, 1);
    // No other process can commit to it: the change marker never moves.
    assert_eq!(store.change_marker().expect("marker"), marker);
    assert!(!Path::new(":memory:").exists(), "no file named :memory:");
}

#[test]
fn two_memory_stores_never_share() {
    let (a, b) = (memory(), memory());
    let ids = a
        .job_insert_many(&[NewJob::new("q", "t", vec![], T0)])
        .expect("insert into a");
    assert!(b.job_get(&ids[0]).expect("get from b").is_none());
    assert_eq!(b.job_stats().expect("stats of b").pending, 0);
    assert!(b
        .job_claim(&claim_req("w", 10))
        .expect("claim b")
        .is_empty());
    assert_eq!(a.job_stats().expect("stats of a").pending, 1);
    // Dropping one leaves the other's database alone.
    drop(b);
    let c = memory();
    assert_eq!(c.job_stats().expect("stats of c").pending, 0);
    assert!(a.job_get(&ids[0]).expect("get from a").is_some());
}

/// Producers, claimers (claim then finish, as a worker and its result
/// handler do) and readers on one memory store at once: the shared cache's
/// table locks must never surface, no job is claimed twice, none is lost.
#[test]
fn writers_claims_and_readers_from_many_threads_never_see_a_table_lock() {
    let store = memory();
    let until = Instant::now() + Duration::from_secs(2);
    let (inserted, claimed, reads) = std::thread::scope(|s| {
        let store = &store;
        let producers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(move || {
                    let mut ids = Vec::new();
                    while Instant::now() < until {
                        let batch: Vec<NewJob> = (0..10)
                            .map(|_| NewJob::new("q", "t", vec![1, 2, 3], T0))
                            .collect();
                        ids.extend(store.job_insert_many(&batch).expect("insert"));
                    }
                    ids
                })
            })
            .collect();
        let claimers: Vec<_> = (0..2)
            .map(|t| {
                s.spawn(move || {
                    let worker = format!("w{t}");
                    let mut ids = Vec::new();
                    while Instant::now() < until {
                        let jobs = store.job_claim(&claim_req(&worker, 8)).expect("claim");
                        let outcomes: Vec<_> = jobs.iter().map(|j| complete(j, None)).collect();
                        let report = store
                            .job_finish_many(&outcomes, T0 + 2_000)
                            .expect("finish");
                        assert_eq!(report.fenced, 0);
                        ids.extend(jobs.into_iter().map(|j| j.id));
                    }
                    ids
                })
            })
            .collect();
        let readers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(move || {
                    let mut reads = 0_u64;
                    let filter = JobFilter {
                        limit: 20,
                        ..JobFilter::default()
                    };
                    while Instant::now() < until {
                        let listed = store.job_list(&filter, None).expect("list");
                        if let Some(job) = listed.first() {
                            store.job_get(&job.id).expect("get");
                        }
                        store.job_stats().expect("stats");
                        store.queue_depths().expect("depths");
                        store.change_marker().expect("marker");
                        reads += 1;
                    }
                    reads
                })
            })
            .collect();
        let join = |hs: Vec<std::thread::ScopedJoinHandle<'_, Vec<String>>>| -> Vec<String> {
            hs.into_iter()
                .flat_map(|h| h.join().expect("thread"))
                .collect()
        };
        let reads: u64 = readers.into_iter().map(|h| h.join().expect("reader")).sum();
        (join(producers), join(claimers), reads)
    });
    let mut claimed = claimed;
    loop {
        let rest = store.job_claim(&claim_req("drain", 500)).expect("drain");
        if rest.is_empty() {
            break;
        }
        let outcomes: Vec<_> = rest.iter().map(|j| complete(j, None)).collect();
        store
            .job_finish_many(&outcomes, T0 + 3_000)
            .expect("finish the rest");
        claimed.extend(rest.into_iter().map(|j| j.id));
    }
    let unique: HashSet<&String> = claimed.iter().collect();
    assert_eq!(unique.len(), claimed.len(), "a job was claimed twice");
    assert_eq!(unique, inserted.iter().collect(), "every job claimed once");
    let stats = store.job_stats().expect("stats");
    assert_eq!(stats.complete, inserted.len() as u64);
    assert_eq!((stats.pending, stats.running), (0, 0));
    assert!(inserted.len() > 100, "only {} jobs in 2 s", inserted.len());
    assert!(reads > 10, "only {reads} read rounds in 2 s");
}
