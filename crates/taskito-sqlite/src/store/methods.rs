//! The [`Store`] methods of [`SqliteStore`]: each runs in a read or a write
//! (see `store.rs`) and hands the work to the module that holds its statements.

use std::sync::atomic::Ordering;

use taskito_core::{
    admit_needs_write, record_needs_write, Admission, Breaker, BreakerConfig, ClaimRequest,
    DeadLetter, Direction, FinishReport, GraphJob, Job, JobCursor, JobErrorRecord, JobFilter,
    LogEntry, LogFilter, MetricRollup, NewJob, NewLogEntry, Outcome, PeriodicSchedule, PurgeTarget,
    QueueDepth, ReplayRecord, RescueReport, RescueScope, Result, SeriesBucket, Stats, Store,
    WorkerInfo,
};

use super::{lock, SqliteStore};
use crate::{
    busy, claim, connection, dead, dependencies, finish, graph, jobs, limits, maintenance,
    observability, overview, periodic, replay, rescue, workers,
};

impl Store for SqliteStore {
    fn job_insert(&self, batch: &[GraphJob]) -> Result<Vec<String>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        if batch.iter().all(|node| node.depends_on.is_empty()) {
            let jobs: Vec<&NewJob> = batch.iter().map(|node| &node.job).collect();
            return self.write(|tx| jobs::insert_many(tx, &jobs));
        }
        self.write(|tx| graph::insert_graph(tx, batch))
    }

    fn job_get(&self, id: &str) -> Result<Option<Job>> {
        self.read(|c| jobs::get(c, id))
    }

    fn job_list(&self, filter: &JobFilter, after: Option<&JobCursor>) -> Result<Vec<Job>> {
        self.read(|c| match after {
            None => jobs::list(c, filter),
            Some(cursor) => overview::list_after(c, filter, cursor),
        })
    }

    fn job_stats(&self) -> Result<Stats> {
        self.read(jobs::stats)
    }

    fn job_errors(&self, job_id: &str) -> Result<Vec<JobErrorRecord>> {
        self.read(|c| jobs::errors(c, job_id))
    }

    fn job_cancel(&self, id: &str, now: i64) -> Result<bool> {
        self.write(|tx| jobs::cancel(tx, id, now))
    }

    fn job_claim(&self, req: &ClaimRequest) -> Result<Vec<Job>> {
        if req.claims_nothing() {
            return Ok(Vec::new());
        }
        // Idle workers ask in a read first, so that they never take the write
        // lock for nothing; a busy one (whose last claim was full) goes straight
        // to the write.
        if !self.claims_full.load(Ordering::Relaxed) && !self.read(|c| claim::claimable(c, req))? {
            return Ok(Vec::new());
        }
        let claimed = self.write(|tx| claim::claim(tx, req))?;
        let full = claimed.len() >= usize::try_from(req.limit).unwrap_or(usize::MAX);
        self.claims_full.store(full, Ordering::Relaxed);
        Ok(claimed)
    }

    fn job_finish_many(&self, outcomes: &[Outcome], now: i64) -> Result<FinishReport> {
        if outcomes.is_empty() {
            return Ok(FinishReport::default());
        }
        self.write(|tx| finish::finish_many(tx, outcomes, now))
    }

    fn job_rescue(
        &self,
        scope: RescueScope<'_>,
        now: i64,
        max_crashes: i32,
    ) -> Result<RescueReport> {
        self.write(|tx| match scope {
            RescueScope::Expired => rescue::rescue_expired(tx, now, max_crashes),
            RescueScope::Owner(worker_id) => rescue::rescue_owner(tx, worker_id, now, max_crashes),
        })
    }

    fn job_request_cancel(&self, id: &str) -> Result<bool> {
        self.write(|tx| jobs::request_cancel(tx, id))
    }

    fn job_set_progress(&self, id: &str, attempt: Option<i32>, progress: i32) -> Result<bool> {
        self.write(|tx| jobs::set_progress(tx, id, attempt, progress))
    }

    fn job_replay(&self, id: &str, now: i64) -> Result<String> {
        self.write(|tx| replay::replay(tx, id, now))
    }

    fn replay_history(&self, id: &str) -> Result<Vec<ReplayRecord>> {
        self.read(|c| replay::history(c, id))
    }

    fn purge(&self, target: PurgeTarget, before: i64) -> Result<u64> {
        self.write(|tx| match target {
            PurgeTarget::ExpiredResults => jobs::purge_expired_results(tx, before),
            PurgeTarget::Completed => jobs::purge_completed(tx, before),
            PurgeTarget::DeadLetters => dead::purge(tx, before),
            PurgeTarget::Logs => observability::log_purge(tx, before),
            PurgeTarget::Metrics => observability::metric_purge(tx, before),
        })
    }

    fn dead_list(&self, limit: u32, offset: u32) -> Result<Vec<DeadLetter>> {
        self.read(|c| dead::list(c, limit, offset))
    }

    fn dead_retry(&self, dead_id: &str, now: i64) -> Result<String> {
        self.write(|tx| dead::retry(tx, dead_id, now))
    }

    fn dead_delete(&self, dead_id: &str) -> Result<bool> {
        self.write(|tx| dead::delete(tx, dead_id))
    }

    fn worker_heartbeat(&self, worker: &WorkerInfo, lease_until: i64) -> Result<()> {
        self.write(|tx| workers::heartbeat(tx, worker, lease_until))
    }

    fn worker_unregister(&self, worker_id: &str) -> Result<()> {
        self.write(|tx| workers::unregister(tx, worker_id))
    }

    fn worker_list(&self) -> Result<Vec<WorkerInfo>> {
        self.read(workers::list)
    }

    fn change_marker(&self) -> Result<u64> {
        let conn = lock(&self.marker);
        busy::with_retry(&self.path, self.budget, || connection::data_version(&conn))
    }

    fn queue_depths(&self) -> Result<Vec<QueueDepth>> {
        self.read(jobs::queue_depths)
    }

    // --- rate limits and circuit breakers ---

    fn rate_acquire(
        &self,
        key: &str,
        job_id: &str,
        interval_ms: i64,
        now: i64,
    ) -> Result<Admission> {
        self.write(|tx| limits::rate_acquire(tx, key, job_id, interval_ms, now))
    }

    fn breaker_admit(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        now: i64,
    ) -> Result<Admission> {
        // A closed (or never failed) breaker, the common case, is only read.
        let current = self.read(|c| limits::breaker_get(c, task))?;
        if !admit_needs_write(current.as_ref()) {
            return Ok(Admission::Run);
        }
        self.write(|tx| limits::breaker_admit(tx, task, config, job_id, now))
    }

    fn breaker_record(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        failed: bool,
        now: i64,
    ) -> Result<()> {
        if !failed {
            // A success changes only a half-open breaker.
            let current = self.read(|c| limits::breaker_get(c, task))?;
            if !record_needs_write(current.as_ref(), failed) {
                return Ok(());
            }
        }
        self.write(|tx| limits::breaker_record(tx, task, config, job_id, failed, now))
    }

    fn breaker_list(&self) -> Result<Vec<Breaker>> {
        self.read(limits::breaker_list)
    }

    // --- dependencies ---

    fn job_links(&self, id: &str, direction: Direction) -> Result<Vec<String>> {
        self.read(|c| match direction {
            Direction::DependsOn => dependencies::dependencies(c, id),
            Direction::Dependents => dependencies::dependents(c, id),
        })
    }

    // --- periodic tasks ---

    fn periodic_register(&self, schedules: &[PeriodicSchedule]) -> Result<Vec<PeriodicSchedule>> {
        if schedules.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| periodic::register(tx, schedules))
    }

    fn periodic_tick(&self, name: &str, tick_at: i64, job: &NewJob) -> Result<bool> {
        self.write(|tx| periodic::tick(tx, name, tick_at, job))
    }

    fn periodic_list(&self) -> Result<Vec<PeriodicSchedule>> {
        self.read(periodic::list)
    }

    // --- observability: job logs and task metrics ---

    fn log_insert(&self, entry: &NewLogEntry) -> Result<i64> {
        self.write(|tx| observability::log_insert(tx, entry))
    }

    fn log_list_job(&self, job_id: &str) -> Result<Vec<LogEntry>> {
        self.read(|c| observability::log_list_job(c, job_id))
    }

    fn log_query(&self, filter: &LogFilter) -> Result<Vec<LogEntry>> {
        self.read(|c| observability::log_query(c, filter))
    }

    fn metric_upsert_many(&self, rollups: &[MetricRollup]) -> Result<()> {
        if rollups.is_empty() {
            return Ok(());
        }
        self.write(|tx| observability::metric_upsert_many(tx, rollups))
    }

    fn metric_list(&self, since: i64, task_name: Option<&str>) -> Result<Vec<MetricRollup>> {
        self.read(|c| observability::metric_list(c, since, task_name))
    }

    // --- cluster maintenance ---

    fn maintenance_turn(&self, name: &str, now: i64, every_ms: i64) -> Result<bool> {
        // Read first: most calls find the turn not due, and a read takes no write
        // lock (a worker paused while holding one would stall every other).
        let next = self.read(|c| maintenance::next_run_at(c, name))?;
        if next.is_some_and(|next| next > now) {
            return Ok(false);
        }
        self.write(|tx| maintenance::take_turn(tx, name, now, every_ms))
    }

    // --- dashboard ---

    fn job_completion_series(
        &self,
        since: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeriesBucket>> {
        self.read(|c| overview::completion_series(c, since, bucket_ms, limit))
    }
}
