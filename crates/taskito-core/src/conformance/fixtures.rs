//! Small builders shared by the checks.

use crate::InsertJobs;
use std::time::{Duration, Instant};

use crate::{ClaimRequest, Job, NewJob, Outcome, PurgeTarget, RescueReport, Store, WorkerInfo};

/// The time every check starts at (Unix ms).
pub(crate) const T0: i64 = 1_700_000_000_000;
/// The lease every fixture claim asks for.
pub(crate) const LEASE_MS: i64 = 30_000;

pub(crate) fn new_job(queue: &str, task: &str) -> NewJob {
    NewJob::new(queue, task, b"payload".to_vec(), T0)
}

pub(crate) fn insert(store: &dyn Store, jobs: &[NewJob]) -> Vec<String> {
    store.job_insert_many(jobs).expect("job_insert_many")
}

pub(crate) fn insert_one(store: &dyn Store, job: NewJob) -> String {
    insert(store, &[job]).pop().expect("one id per job")
}

pub(crate) fn get(store: &dyn Store, id: &str) -> Job {
    store
        .job_get(id)
        .expect("job_get")
        .unwrap_or_else(|| panic!("job {id} should exist"))
}

pub(crate) fn claim_request(worker: &str, queues: &[&str], limit: u32, now: i64) -> ClaimRequest {
    ClaimRequest {
        worker_id: worker.to_owned(),
        queues: queues.iter().map(|q| (*q).to_owned()).collect(),
        limit,
        now,
        lease_ms: LEASE_MS,
    }
}

pub(crate) fn claim(
    store: &dyn Store,
    worker: &str,
    queues: &[&str],
    limit: u32,
    now: i64,
) -> Vec<Job> {
    store
        .job_claim(&claim_request(worker, queues, limit, now))
        .expect("job_claim")
}

pub(crate) fn ids(jobs: &[Job]) -> Vec<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

/// Inserts one job in `queue` and claims it; returns the running job.
pub(crate) fn running(store: &dyn Store, queue: &str, worker: &str, now: i64) -> Job {
    let id = insert_one(store, new_job(queue, "task"));
    let claimed = claim(store, worker, &[queue], 1, now);
    assert_eq!(
        ids(&claimed),
        vec![id],
        "the only job of {queue} should be claimed"
    );
    claimed.into_iter().next().expect("one job")
}

pub(crate) fn finish(store: &dyn Store, outcomes: &[Outcome], now: i64) -> (usize, usize) {
    let report = store
        .job_finish_many(outcomes, now)
        .expect("job_finish_many");
    (report.applied, report.fenced)
}

pub(crate) fn complete(job: &Job) -> Outcome {
    Outcome::Complete {
        job_id: job.id.clone(),
        attempt: job.attempt,
        result: None,
    }
}

pub(crate) fn dead(job: &Job, error: &str) -> Outcome {
    Outcome::Dead {
        job_id: job.id.clone(),
        attempt: job.attempt,
        error: error.to_owned(),
    }
}

/// How many rows `store.purge(target, before)` deleted.
pub(crate) fn purge(store: &dyn Store, target: PurgeTarget, before: i64) -> u64 {
    store
        .purge(target, before)
        .unwrap_or_else(|e| panic!("purge {target:?}: {e}"))
}

pub(crate) fn release(job: &Job) -> Outcome {
    Outcome::Release {
        job_id: job.id.clone(),
        attempt: job.attempt,
    }
}

pub(crate) fn rescue_report(rescued: u64, quarantined: u64) -> RescueReport {
    RescueReport {
        rescued,
        quarantined,
    }
}

/// The error of a job quarantined after `crashes` crashes, as the docs spell it.
pub(crate) fn quarantine_error(crashes: i32) -> String {
    format!("quarantined: the worker died {crashes} times while running it")
}

pub(crate) fn worker(id: &str, last_heartbeat: i64) -> WorkerInfo {
    WorkerInfo {
        worker_id: id.to_owned(),
        hostname: "host-1".to_owned(),
        pid: 4242,
        queues: "default,emails".to_owned(),
        threads: 8,
        started_at: T0,
        last_heartbeat,
    }
}

/// Polls `cond` until it holds, for backends whose cross-connection signals
/// arrive asynchronously; fails after 10 s.
pub(crate) fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}
