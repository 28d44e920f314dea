use crate::{
    Admission, Breaker, BreakerConfig, ClaimRequest, DeadLetter, Direction, FinishReport, Job,
    JobErrorRecord, JobFilter, LogEntry, LogFilter, MetricRollup, NewJob, NewLogEntry, Outcome,
    PeriodicSchedule, PurgeTarget, QueueDepth, ReplayRecord, RescueReport, RescueScope, Result,
    Stats, WorkerInfo,
};
use crate::{JobCursor, SeriesBucket};

/// Durable storage for jobs, dead letters and workers. One implementation per
/// backend (`taskito-sqlite`, later `taskito-postgres`); the engine sees only this.
///
/// Every method is one atomic unit: it either happens entirely or not at all.
/// Implementations must be safe to share between threads and between processes
/// using the same database; they retry transient lock contention themselves and
/// only return [`crate::Error::Busy`] after a long wait. Times are Unix ms.
///
/// Rules every method follows, decided in core so the backends cannot differ:
/// - **A row limit of 0 means no limit** ([`crate::row_limit`]): the `limit`
///   of [`JobFilter`] and [`LogFilter`], and the `limit` of
///   [`Store::dead_list`] and [`Store::job_completion_series`]; any other
///   value returns at most that many rows. (A *claim's* `limit` counts slots:
///   0 claims nothing, see [`Store::job_claim`].)
/// - **Limits and breakers load, decide, save** (`crate::admission`): one write
///   transaction loads the stored state, locked against other stores, the core
///   function decides ([`crate::decide_rate`], [`crate::decide_admit`],
///   [`crate::decide_record`]), and only what it says changed is written.
pub trait Store: Send + Sync {
    /// Inserts every job of `jobs` in one transaction, in order, and returns for
    /// each the id of the job that now stands for it: its own id, or for a
    /// `unique_key` already held by a pending or running job (including one
    /// earlier in the same batch), that job's id (nothing is inserted for it, and
    /// it gains no dependencies).
    ///
    /// A job with dependencies stays `pending` but is not claimed until all of
    /// them are `complete` (duplicates count once; those already complete do not
    /// hold it), and becomes claimable in the transaction that completes the last
    /// one. When one of them later becomes `dead`, `failed` or `cancelled`, the
    /// job (and, transitively, its own pending dependents) is cancelled with an
    /// error naming that dependency; [`Store::job_cancel`] cascades the same way.
    /// A [`crate::DepRef::Batch`] dependency is the job that stands for that
    /// earlier entry; no job of the batch can run before the whole batch is
    /// committed. A batch without dependencies takes the backend's fast path.
    ///
    /// # Errors
    /// [`crate::Error::Dependency`] when a dependency is unknown or already
    /// `dead`, `failed` or `cancelled`, [`crate::Error::InvalidInput`] for a batch
    /// dependency that is not an earlier entry or an id already taken; nothing
    /// is inserted then.
    fn job_insert(&self, jobs: &[crate::GraphJob]) -> Result<Vec<String>>;

    /// The job with this id, or `None`.
    fn job_get(&self, id: &str) -> Result<Option<Job>>;

    /// Jobs matching `filter`, newest `created_at` first.
    ///
    /// With `after`, the filter's `offset` is ignored and only the jobs that come
    /// after that cursor in this order are returned: keyset paging, whose cost
    /// does not grow with the page number (the dashboard's pages). Jobs created at
    /// the same millisecond keep the order a listing without `after` gives them;
    /// if the cursor's job no longer exists, the page starts with the jobs created
    /// before `cursor.created_at`.
    fn job_list(&self, filter: &JobFilter, after: Option<&JobCursor>) -> Result<Vec<Job>>;

    /// Counts of jobs per state over all queues.
    fn job_stats(&self) -> Result<Stats>;

    /// The recorded failed attempts of a job, oldest first (empty for an unknown id).
    fn job_errors(&self, job_id: &str) -> Result<Vec<JobErrorRecord>>;

    /// Cancels a `pending` job. Returns false when the job is unknown or not pending.
    fn job_cancel(&self, id: &str, now: i64) -> Result<bool>;

    /// Claims up to `req.limit` pending jobs of `req.queues` whose `scheduled_at`
    /// has come, highest priority first, then earliest `scheduled_at`, then id.
    /// Each claimed job becomes `running`, its `attempt` grows by one, and it is
    /// leased to `req.worker_id` until `req.now + req.lease_ms`. Returns the claimed
    /// jobs in that order (empty when none is ready). Two concurrent claims never
    /// return the same job. A claim that can take nothing
    /// ([`ClaimRequest::claims_nothing`]: `limit` 0 or no queues) returns
    /// nothing and changes nothing.
    ///
    /// Expiry: a pending job whose `expires_at` is before `req.now`
    /// ([`crate::is_expired`]; a job may start at exactly its `expires_at`) is
    /// never returned. Any claim that can take something first ends every such
    /// job, in any queue: it becomes `failed` with the error
    /// [`crate::EXPIRED_ERROR`] and `completed_at = req.now`; its `attempt`
    /// and `retry_count` stay, no `job_errors` row is written, it is not copied
    /// to the dead letters, and [`Store::job_stats`] counts it as failed. Its
    /// pending dependents are cancelled as for any job that cannot complete
    /// (error [`crate::DependencyEnd::Expired`]'s).
    fn job_claim(&self, req: &ClaimRequest) -> Result<Vec<Job>>;

    /// Writes a batch of attempt outcomes in one transaction. An outcome applies
    /// only while its job is `running` with the same `attempt` (fencing); the others
    /// are counted in [`FinishReport::fenced`] and change nothing.
    fn job_finish_many(&self, outcomes: &[Outcome], now: i64) -> Result<FinishReport>;

    /// Puts the `running` jobs of `scope` (those whose lease expired before `now`,
    /// or every job leased to one dead worker) back to `pending`,
    /// counting the interruption in `crash_count` without spending a retry. A job
    /// whose `crash_count` thereby reaches `max_crashes` is quarantined instead: it
    /// becomes `dead` with the error "quarantined: the worker died N times while
    /// running it", recorded in `job_errors` and copied to the dead letters like
    /// [`Outcome::Dead`].
    /// [`RescueReport::default`] when nothing matches.
    fn job_rescue(
        &self,
        scope: RescueScope<'_>,
        now: i64,
        max_crashes: i32,
    ) -> Result<RescueReport>;

    /// Asks a `running` job to stop (sets `cancel_requested`). Returns false when
    /// the job is unknown or not running.
    fn job_request_cancel(&self, id: &str) -> Result<bool>;

    /// Sets a job's progress. With `attempt`, only while that attempt still runs
    /// the job (fenced); with `None`, on any job. Returns whether a row changed.
    fn job_set_progress(&self, id: &str, attempt: Option<i32>, progress: i32) -> Result<bool>;

    /// Enqueues a new job copying the payload, queue, task, priority, max_retries,
    /// backoff, timeout and result TTL of job `id`, with metadata
    /// `{"replayed_from": "<id>"}`, runnable at `now`, and records it in the replay
    /// history. Returns the new id, or [`crate::Error::NotFound`].
    fn job_replay(&self, id: &str, now: i64) -> Result<String>;

    /// The replays made of job `id`, oldest first, each with the original's error
    /// and the replay's current error.
    fn replay_history(&self, id: &str) -> Result<Vec<ReplayRecord>>;

    /// Deletes the rows of `target` from before `before` (for
    /// [`PurgeTarget::ExpiredResults`], `before` is now; see [`PurgeTarget`] for
    /// what each target deletes). One transaction. Returns how many rows went.
    fn purge(&self, target: PurgeTarget, before: i64) -> Result<u64>;

    /// The dead-letter entries, newest first, without payloads; at most `limit`
    /// (0: no limit) after skipping `offset`.
    fn dead_list(&self, limit: u32, offset: u32) -> Result<Vec<DeadLetter>>;

    /// Enqueues a fresh copy of a dead-lettered job (new id, no retries spent,
    /// runnable now) and removes the dead-letter entry. Returns the new job id, or
    /// [`crate::Error::NotFound`].
    fn dead_retry(&self, dead_id: &str, now: i64) -> Result<String>;

    /// Deletes one dead-letter entry. Returns false when there is none by that id.
    fn dead_delete(&self, dead_id: &str) -> Result<bool>;

    /// Records that `worker` is alive at `worker.last_heartbeat` (inserting it the
    /// first time) and extends the lease of every job it runs to `lease_until`.
    fn worker_heartbeat(&self, worker: &WorkerInfo, lease_until: i64) -> Result<()>;

    /// Removes a worker's row (at shutdown). Unknown ids are ignored.
    fn worker_unregister(&self, worker_id: &str) -> Result<()>;

    /// The registered workers, most recent heartbeat first.
    fn worker_list(&self) -> Result<Vec<WorkerInfo>>;

    /// A number that changes whenever another connection or process commits to
    /// the store. Cheap enough to call every millisecond: the engine uses it to
    /// notice work enqueued elsewhere without polling the job table.
    fn change_marker(&self) -> Result<u64>;

    // --- queue inspection ---

    /// Pending and running jobs per queue, by queue name; queues with neither
    /// are left out. Reads only the indexes of live jobs, so finished rows do
    /// not make it slower.
    fn queue_depths(&self) -> Result<Vec<QueueDepth>>;
    // --- rate limits and circuit breakers ---

    /// Takes a start slot of the rate limit `key` for job `job_id`: slots are
    /// `interval_ms` apart, shared by every store on the database. If the job
    /// holds a slot reserved by an earlier call and that slot has come, the
    /// reservation is used up and the job may run; if it has not come yet, the
    /// job is told to wait for it. Otherwise the next free slot
    /// (`max(next, now)`) is taken: the job runs if it is `now`, or else the slot
    /// is reserved for the job and it is told to wait for it. So jobs waiting for
    /// a limit come back one slot apart, not all at once. One transaction:
    /// load the job's reservation and the limit's next slot (locked),
    /// [`crate::decide_rate`], save what it decided; so concurrent callers,
    /// through any store on the database, never get the same slot.
    fn rate_acquire(
        &self,
        key: &str,
        job_id: &str,
        interval_ms: i64,
        now: i64,
    ) -> Result<Admission>;

    /// Whether job `job_id` of `task` may start at `now` under its circuit
    /// breaker (see [`Breaker::admit`]). A closed or unknown breaker is only
    /// read, outside any write transaction ([`crate::admit_needs_write`]);
    /// otherwise load (locked), [`crate::decide_admit`], save: an open breaker
    /// past its cool-down admits one job as its trial and records it (state
    /// `half_open`). Records `config` as the breaker's settings when it writes.
    fn breaker_admit(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        now: i64,
    ) -> Result<Admission>;

    /// Records how an attempt of `job_id` of `task` ended (see
    /// [`Breaker::record`]), creating the breaker at its first failure. A success
    /// that changes nothing writes nothing ([`crate::record_needs_write`], then
    /// load (locked), [`crate::decide_record`], save).
    fn breaker_record(
        &self,
        task: &str,
        config: &BreakerConfig,
        job_id: &str,
        failed: bool,
        now: i64,
    ) -> Result<()>;

    /// Every stored circuit breaker, by task name.
    fn breaker_list(&self) -> Result<Vec<Breaker>>;
    // --- dependencies ---

    /// With [`Direction::DependsOn`], the ids a job depends on, in the order given
    /// at insert; with [`Direction::Dependents`], the ids of the jobs that depend on
    /// it, oldest first. Empty for an unknown id or a job without such links.
    fn job_links(&self, id: &str, direction: Direction) -> Result<Vec<String>>;
    // --- periodic tasks ---

    /// Records `schedules` in one transaction: a new name is inserted as given
    /// but with no last tick; a known one gets the given task, cron
    /// expression, timezone and queue but keeps its `registered_at` and
    /// `last_tick_at` (`schedules`' own are ignored).
    /// Returns the schedules as stored, in input order.
    fn periodic_register(&self, schedules: &[PeriodicSchedule]) -> Result<Vec<PeriodicSchedule>>;

    /// Enqueues `job` as the tick at `tick_at` of schedule `name`, at most once
    /// however many workers try: in one transaction it records the tick
    /// (unique on `(name, tick_at)`) and moves the schedule's `last_tick_at`
    /// to `tick_at`, which must be later than it, then inserts `job`. Returns
    /// false, and changes nothing, when the schedule is unknown or this tick
    /// or a later one was already enqueued.
    fn periodic_tick(&self, name: &str, tick_at: i64, job: &NewJob) -> Result<bool>;

    /// Every registered schedule, by name.
    fn periodic_list(&self) -> Result<Vec<PeriodicSchedule>>;
    // --- observability: job logs and task metrics ---

    /// Stores a log line of a job and returns its id (ids grow with each insert).
    fn log_insert(&self, entry: &NewLogEntry) -> Result<i64>;

    /// The log lines of a job, oldest first (empty for an unknown id).
    fn log_list_job(&self, job_id: &str) -> Result<Vec<LogEntry>>;

    /// The log lines matching `filter`, newest first (by `logged_at`, then id).
    fn log_query(&self, filter: &LogFilter) -> Result<Vec<LogEntry>>;

    /// Writes each rollup in one transaction, replacing the stored row of the same
    /// worker, task and minute (a worker rewrites its running tally).
    fn metric_upsert_many(&self, rollups: &[MetricRollup]) -> Result<()>;

    /// The rollups whose `last_at` is at or after `since`, of `task_name` when
    /// given, in no particular order.
    fn metric_list(&self, since: i64, task_name: Option<&str>) -> Result<Vec<MetricRollup>>;

    // --- cluster maintenance ---

    /// Whether this caller takes the maintenance task `name` now: true for at
    /// most one caller per `every_ms` across every store on the database (the
    /// first to ask once the previous turn's time is up). Workers ask before
    /// idempotent clean-ups (purging expired results, old metrics and log lines),
    /// so a cluster of N workers runs each once per period, not N times.
    fn maintenance_turn(&self, name: &str, now: i64, every_ms: i64) -> Result<bool>;

    /// Folds what writers append for [`Store::job_stats`] into its compact form
    /// (PostgreSQL's job-count deltas; see its migration 0008), so the counts stay
    /// a read of a few rows. Workers call it on a maintenance turn about once a
    /// second. Backends that keep their counts compact as they go do nothing.
    fn compact_counts(&self) -> Result<()> {
        Ok(())
    }
    // --- dashboard ---

    /// The jobs completed at or after `since`, grouped into buckets of `bucket_ms`
    /// starting at `since`, oldest first; only non-empty buckets. Reads at most the
    /// `limit` most recently completed jobs (0: no limit), so its cost is bounded
    /// whatever the rate.
    fn job_completion_series(
        &self,
        since: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeriesBucket>>;
}
