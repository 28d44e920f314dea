//! [`SqliteStore`]: the connections, the transaction discipline, and the
//! [`Store`] methods mapped onto the statement modules.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const MAINTENANCE_TURN: &str = include_str!("../queries/maintenance_turn.sql");
const MAINTENANCE_NEXT: &str = "SELECT next_run_at FROM maintenance WHERE name = ?1";
use taskito_core::{
    Admission, Breaker, BreakerConfig, BreakerState, ClaimRequest, DeadLetter, Error, FinishReport,
    Job, JobErrorRecord, JobFilter, LogEntry, LogFilter, MetricRollup, NewJob, NewLogEntry,
    Outcome, PeriodicSchedule, QueueDepth, ReplayRecord, RescueReport, Result, Stats, Store,
    WorkerInfo,
};

use taskito_core::{JobCursor, SeriesBucket};

use crate::busy::{self, TxResult};
use crate::connection::{self, Role};
use crate::file_identity::FileIdentity;
use crate::overview;
use crate::pool::ReaderPool;
use crate::{
    claim, dead, dependencies, errors, finish, jobs, limits, migrations, observability, periodic,
    replay, rescue, workers, SqliteOptions,
};

/// Readers beyond the writer: enough for a dashboard, result polling and the
/// engine's own reads to proceed side by side on a small machine.
const READERS: usize = 3;

/// A taskito store in one SQLite file, shareable between threads (it is `Sync`)
/// and between processes that open the same path.
///
/// Where the [`Store`] docs leave room, this store:
/// - reads a `limit` of 0 (in [`JobFilter`] and [`Store::dead_list`]) as "no limit";
/// - fails pending jobs whose `expires_at` has passed at the next claim (any
///   queue), with status `failed` and error "expired before it could run";
///   a job may still start at exactly its `expires_at`;
/// - never shortens a lease in [`Store::worker_heartbeat`];
/// - keeps `retry_count` unchanged on a `Dead` outcome (the dead letter records
///   the retries spent before it);
/// - refuses a job id that already exists with [`Error::InvalidInput`] (the
///   whole batch is rolled back);
/// - refuses every write with [`Error::ReadOnly`] once the file was deleted or
///   replaced behind its back;
/// - quarantines a rescued job once its `crash_count` is at least
///   `max_crashes` (so a `max_crashes` of 1 or less quarantines at the first
///   crash), recording the error under the interrupted attempt;
/// - keeps `cancel_requested` set when a job is rescued or released (the next
///   attempt sees the request), and keeps `retry_count` on a `Cancelled` outcome;
/// - gives a replay no unique key and no `expires_at`, and writes its metadata
///   as `{"replayed_from": "<id>"}` with the id JSON-escaped;
/// - keeps replay history rows when the jobs they name are purged (their
///   errors then read as `None`).
pub struct SqliteStore {
    path: PathBuf,
    file: FileIdentity,
    budget: Duration,
    /// The only connection that writes. Every write is one `BEGIN IMMEDIATE`
    /// transaction, so a transaction never has to upgrade a read lock to a
    /// write lock (which is where "database is locked" comes from).
    writer: Mutex<Connection>,
    readers: ReaderPool,
    /// Only ever asked `PRAGMA data_version`, which changes when a connection
    /// other than this one commits (our own writer included).
    marker: Mutex<Connection>,
    /// The last claim filled its whole limit, so the next one very likely finds
    /// work too: it skips the read that spares idle workers the write lock.
    claims_full: AtomicBool,
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database at `path`
    /// and brings its schema up to date.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for `":memory:"` or an empty path (every
    /// connection of every process must see the same database),
    /// [`Error::Corrupt`] for a file that is not a database, and the other
    /// storage errors when the file cannot be opened or written.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self> {
        let path = path.as_ref();
        if path.as_os_str() == ":memory:" || path.as_os_str().is_empty() {
            return Err(Error::InvalidInput(
                "an in-memory SQLite database cannot be shared between the worker and producers; use a file path"
                    .to_owned(),
            ));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| errors::from_io(&e, dir))?;
        }
        let mut writer = connection::open(path, &options, Role::Writer)?;
        // Readers open later; an absolute path keeps them on this file even if
        // the process changes its working directory in between.
        let path = std::fs::canonicalize(path).map_err(|e| errors::from_io(&e, path))?;
        let file = FileIdentity::of(&path)?;
        migrations::apply(&mut writer, &path, &options)?;
        let marker = connection::open(&path, &options, Role::Reader)?;
        Ok(Self {
            file,
            budget: Duration::from_millis(options.busy_wait_ms),
            writer: Mutex::new(writer),
            readers: ReaderPool::new(path.clone(), options, READERS),
            marker: Mutex::new(marker),
            claims_full: AtomicBool::new(false),
            path,
        })
    }

    /// The database file, as an absolute path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `op` in one `BEGIN IMMEDIATE` transaction on the writer, rerun from
    /// the start while other processes hold the lock.
    fn write<T>(&self, mut op: impl FnMut(&Connection) -> TxResult<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        self.file.check()?;
        busy::with_retry(&self.path, self.budget, || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = op(&tx)?;
            tx.commit()?;
            Ok(value)
        })
    }

    /// Runs `op` on a pooled reader; a single statement reads one snapshot.
    fn read<T>(&self, mut op: impl FnMut(&Connection) -> TxResult<T>) -> Result<T> {
        let conn = self.readers.get()?;
        busy::with_retry(&self.path, self.budget, || op(&conn))
    }
}

/// A panic while a connection was borrowed leaves it usable: its transaction
/// was rolled back when the `Transaction` was dropped.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store for SqliteStore {
    fn job_insert_many(&self, new: &[NewJob]) -> Result<Vec<String>> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| jobs::insert_many(tx, new))
    }

    fn job_get(&self, id: &str) -> Result<Option<Job>> {
        self.read(|c| jobs::get(c, id))
    }

    fn job_list(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        self.read(|c| jobs::list(c, filter))
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
        if req.limit == 0 || req.queues.is_empty() {
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

    fn job_rescue_expired(&self, now: i64, max_crashes: i32) -> Result<RescueReport> {
        self.write(|tx| rescue::rescue_expired(tx, now, max_crashes))
    }

    fn job_rescue_owner(
        &self,
        worker_id: &str,
        now: i64,
        max_crashes: i32,
    ) -> Result<RescueReport> {
        self.write(|tx| rescue::rescue_owner(tx, worker_id, now, max_crashes))
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

    fn job_purge_expired_results(&self, now: i64) -> Result<u64> {
        self.write(|tx| jobs::purge_expired_results(tx, now))
    }

    fn job_purge_completed(&self, before: i64) -> Result<u64> {
        self.write(|tx| jobs::purge_completed(tx, before))
    }

    fn dead_list(&self, limit: u32, offset: u32) -> Result<Vec<DeadLetter>> {
        self.read(|c| dead::list(c, limit, offset))
    }

    fn dead_retry(&self, dead_id: &str, now: i64) -> Result<String> {
        self.write(|tx| dead::retry(tx, dead_id, now))
    }

    fn dead_purge(&self, before: i64) -> Result<u64> {
        self.write(|tx| dead::purge(tx, before))
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
        busy::with_retry(&self.path, self.budget, || {
            let version: i64 = conn
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?;
            // data_version is a small positive counter.
            Ok(u64::try_from(version).unwrap_or_default())
        })
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
        if current.is_none_or(|b| b.state == BreakerState::Closed) {
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
            if current.is_none_or(|b| b.state != BreakerState::HalfOpen) {
                return Ok(());
            }
        }
        self.write(|tx| limits::breaker_record(tx, task, config, job_id, failed, now))
    }

    fn breaker_list(&self) -> Result<Vec<Breaker>> {
        self.read(limits::breaker_list)
    }

    // --- dependencies ---

    fn job_insert_dependent(&self, job: &NewJob, depends_on: &[String]) -> Result<String> {
        self.write(|tx| dependencies::insert_dependent(tx, job, depends_on))
    }

    fn job_dependencies(&self, id: &str) -> Result<Vec<String>> {
        self.read(|c| dependencies::dependencies(c, id))
    }

    fn job_dependents(&self, id: &str) -> Result<Vec<String>> {
        self.read(|c| dependencies::dependents(c, id))
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

    fn log_purge(&self, before: i64) -> Result<u64> {
        self.write(|tx| observability::log_purge(tx, before))
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

    fn metric_purge(&self, before: i64) -> Result<u64> {
        self.write(|tx| observability::metric_purge(tx, before))
    }

    // --- cluster maintenance ---

    fn maintenance_turn(&self, name: &str, now: i64, every_ms: i64) -> Result<bool> {
        // Read first: most calls find the turn not due, and a read takes no write
        // lock (a worker paused while holding one would stall every other).
        let next: Option<i64> = self.read(|c| {
            Ok(c.prepare_cached(MAINTENANCE_NEXT)?
                .query_row([name], |r| r.get(0))
                .optional()?)
        })?;
        if next.is_some_and(|next| next > now) {
            return Ok(false);
        }
        self.write(|tx| {
            let taken = tx
                .prepare_cached(MAINTENANCE_TURN)?
                .query_row(rusqlite::params![name, now, every_ms], |_| Ok(()))
                .optional()?;
            Ok(taken.is_some())
        })
    }

    // --- dashboard ---

    fn job_list_after(&self, filter: &JobFilter, cursor: &JobCursor) -> Result<Vec<Job>> {
        self.read(|c| overview::list_after(c, filter, cursor))
    }

    fn job_completion_series(
        &self,
        since: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeriesBucket>> {
        self.read(|c| overview::completion_series(c, since, bucket_ms, limit))
    }

    // --- job graphs: a whole canvas in one transaction ---

    fn job_insert_graph(&self, graph: &[taskito_core::GraphJob]) -> Result<Vec<String>> {
        if graph.is_empty() {
            return Ok(Vec::new());
        }
        self.write(|tx| crate::graph::insert_graph(tx, graph))
    }
}
