//! Shared pieces of the engine tests: a real SQLite store in a temp dir, an
//! instrumented wrapper that counts calls (it delegates everything to the real
//! store), scripted executors, and `wait_for`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use taskito_core::{
    Admission, Breaker, BreakerConfig, ClaimRequest, DeadLetter, Direction, FinishReport, Job,
    JobErrorRecord, JobFilter, LogEntry, LogFilter, MetricRollup, NewJob, NewLogEntry, Outcome,
    PeriodicSchedule, PurgeTarget, QueueDepth, ReplayRecord, RescueReport, RescueScope, Result,
    Stats, Store, WorkerInfo,
};
use taskito_core::{JobCursor, SeriesBucket};
use taskito_sqlite::{SqliteOptions, SqliteStore};

pub fn sqlite(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(dir.path().join("t.db"), SqliteOptions::default()).expect("open store")
}

/// Polls `pred` every few ms until it holds; panics after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The real store, with counters on the calls the engine batches.
pub struct Counting<S> {
    pub inner: S,
    pub claim_sizes: Mutex<Vec<usize>>,
    pub finish_sizes: Mutex<Vec<usize>>,
    /// Delay added to the first `job_finish_many`, like a slow disk.
    pub first_finish_delay: Duration,
    finishes: AtomicUsize,
    /// Sizes of the `job_insert_many` calls.
    pub insert_sizes: Mutex<Vec<usize>>,
    /// Delay added to every `job_insert_many`, like a slow commit.
    pub insert_delay: Duration,
    /// A batch holding a job of this task fails as a whole.
    pub refuse_task: Option<String>,
}

impl<S> Counting<S> {
    pub fn new(inner: S, first_finish_delay: Duration) -> Self {
        Self {
            inner,
            claim_sizes: Mutex::new(Vec::new()),
            finish_sizes: Mutex::new(Vec::new()),
            first_finish_delay,
            finishes: AtomicUsize::new(0),
            insert_sizes: Mutex::new(Vec::new()),
            insert_delay: Duration::ZERO,
            refuse_task: None,
        }
    }
}

impl<S: Store> Store for Counting<S> {
    fn job_insert(&self, jobs: &[taskito_core::GraphJob]) -> Result<Vec<String>> {
        self.insert_sizes.lock().unwrap().push(jobs.len());
        std::thread::sleep(self.insert_delay);
        if let Some(task) = &self.refuse_task {
            if jobs.iter().any(|j| &j.job.task_name == task) {
                return Err(taskito_core::Error::InvalidInput(format!("refused {task}")));
            }
        }
        self.inner.job_insert(jobs)
    }
    fn job_get(&self, id: &str) -> Result<Option<Job>> {
        self.inner.job_get(id)
    }
    fn job_list(&self, filter: &JobFilter, after: Option<&JobCursor>) -> Result<Vec<Job>> {
        self.inner.job_list(filter, after)
    }
    fn job_stats(&self) -> Result<Stats> {
        self.inner.job_stats()
    }
    fn job_errors(&self, job_id: &str) -> Result<Vec<JobErrorRecord>> {
        self.inner.job_errors(job_id)
    }
    fn job_cancel(&self, id: &str, now: i64) -> Result<bool> {
        self.inner.job_cancel(id, now)
    }
    fn job_claim(&self, req: &ClaimRequest) -> Result<Vec<Job>> {
        let jobs = self.inner.job_claim(req)?;
        if !jobs.is_empty() {
            self.claim_sizes.lock().unwrap().push(jobs.len());
        }
        Ok(jobs)
    }
    fn job_finish_many(&self, outcomes: &[Outcome], now: i64) -> Result<FinishReport> {
        if self.finishes.fetch_add(1, Ordering::SeqCst) == 0 {
            std::thread::sleep(self.first_finish_delay);
        }
        self.finish_sizes.lock().unwrap().push(outcomes.len());
        self.inner.job_finish_many(outcomes, now)
    }
    fn job_rescue(
        &self,
        scope: RescueScope<'_>,
        now: i64,
        max_crashes: i32,
    ) -> Result<RescueReport> {
        self.inner.job_rescue(scope, now, max_crashes)
    }
    fn job_request_cancel(&self, id: &str) -> Result<bool> {
        self.inner.job_request_cancel(id)
    }
    fn job_set_progress(&self, id: &str, attempt: Option<i32>, progress: i32) -> Result<bool> {
        self.inner.job_set_progress(id, attempt, progress)
    }
    fn job_replay(&self, id: &str, now: i64) -> Result<String> {
        self.inner.job_replay(id, now)
    }
    fn replay_history(&self, id: &str) -> Result<Vec<ReplayRecord>> {
        self.inner.replay_history(id)
    }
    fn purge(&self, target: PurgeTarget, before: i64) -> Result<u64> {
        self.inner.purge(target, before)
    }
    fn dead_list(&self, limit: u32, offset: u32) -> Result<Vec<DeadLetter>> {
        self.inner.dead_list(limit, offset)
    }
    fn dead_retry(&self, dead_id: &str, now: i64) -> Result<String> {
        self.inner.dead_retry(dead_id, now)
    }
    fn dead_delete(&self, dead_id: &str) -> Result<bool> {
        self.inner.dead_delete(dead_id)
    }
    fn worker_heartbeat(&self, worker: &WorkerInfo, lease_until: i64) -> Result<()> {
        self.inner.worker_heartbeat(worker, lease_until)
    }
    fn worker_unregister(&self, worker_id: &str) -> Result<()> {
        self.inner.worker_unregister(worker_id)
    }
    fn worker_list(&self) -> Result<Vec<WorkerInfo>> {
        self.inner.worker_list()
    }
    fn change_marker(&self) -> Result<u64> {
        self.inner.change_marker()
    }
    fn queue_depths(&self) -> Result<Vec<QueueDepth>> {
        self.inner.queue_depths()
    }

    // --- rate limits and circuit breakers ---
    fn rate_acquire(
        &self,
        key: &str,
        job_id: &str,
        interval_ms: i64,
        now: i64,
    ) -> Result<Admission> {
        self.inner.rate_acquire(key, job_id, interval_ms, now)
    }
    fn breaker_admit(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        now: i64,
    ) -> Result<Admission> {
        self.inner.breaker_admit(task, config, job_id, now)
    }
    fn breaker_record(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        failed: bool,
        now: i64,
    ) -> Result<()> {
        self.inner.breaker_record(task, config, job_id, failed, now)
    }
    fn breaker_list(&self) -> Result<Vec<Breaker>> {
        self.inner.breaker_list()
    }

    // --- dependencies ---
    fn job_links(&self, id: &str, direction: Direction) -> Result<Vec<String>> {
        self.inner.job_links(id, direction)
    }

    // --- periodic tasks ---
    fn periodic_register(&self, schedules: &[PeriodicSchedule]) -> Result<Vec<PeriodicSchedule>> {
        self.inner.periodic_register(schedules)
    }
    fn periodic_tick(&self, name: &str, tick_at: i64, job: &NewJob) -> Result<bool> {
        self.inner.periodic_tick(name, tick_at, job)
    }
    fn periodic_list(&self) -> Result<Vec<PeriodicSchedule>> {
        self.inner.periodic_list()
    }

    // --- observability: job logs and task metrics ---
    fn log_insert(&self, entry: &NewLogEntry) -> Result<i64> {
        self.inner.log_insert(entry)
    }
    fn log_list_job(&self, job_id: &str) -> Result<Vec<LogEntry>> {
        self.inner.log_list_job(job_id)
    }
    fn log_query(&self, filter: &LogFilter) -> Result<Vec<LogEntry>> {
        self.inner.log_query(filter)
    }
    fn metric_upsert_many(&self, rollups: &[MetricRollup]) -> Result<()> {
        self.inner.metric_upsert_many(rollups)
    }
    fn metric_list(&self, since: i64, task_name: Option<&str>) -> Result<Vec<MetricRollup>> {
        self.inner.metric_list(since, task_name)
    }
    fn maintenance_turn(&self, name: &str, now: i64, every_ms: i64) -> Result<bool> {
        self.inner.maintenance_turn(name, now, every_ms)
    }

    // --- dashboard ---
    fn job_completion_series(
        &self,
        since: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeriesBucket>> {
        self.inner.job_completion_series(since, bucket_ms, limit)
    }

    // --- job graphs: a whole canvas in one transaction ---
}

pub fn shared<S: Store + 'static>(s: S) -> Arc<S> {
    Arc::new(s)
}
