use crate::{
    ClaimRequest, DeadLetter, FinishReport, Job, JobErrorRecord, JobFilter, NewJob, Outcome,
    ReplayRecord, RescueReport, Result, Stats, WorkerInfo,
};
use crate::{JobCursor, QueueCount, SeriesBucket};

/// Durable storage for jobs, dead letters and workers. One implementation per
/// backend (`taskito-sqlite`, later `taskito-postgres`); the engine sees only this.
///
/// Every method is one atomic unit: it either happens entirely or not at all.
/// Implementations must be safe to share between threads and between processes
/// using the same database; they retry transient lock contention themselves and
/// only return [`crate::Error::Busy`] after a long wait. Times are Unix ms.
pub trait Store: Send + Sync {
    /// Inserts all `jobs` in one transaction and returns, for each input in order,
    /// the id of the job that now stands for it: its own id, or for a `unique_key`
    /// already held by a pending or running job (including one earlier in the same
    /// batch), that job's id (nothing is inserted for it).
    fn job_insert_many(&self, jobs: &[NewJob]) -> Result<Vec<String>>;

    /// The job with this id, or `None`.
    fn job_get(&self, id: &str) -> Result<Option<Job>>;

    /// Jobs matching `filter`, newest `created_at` first.
    fn job_list(&self, filter: &JobFilter) -> Result<Vec<Job>>;

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
    /// return the same job.
    fn job_claim(&self, req: &ClaimRequest) -> Result<Vec<Job>>;

    /// Writes a batch of attempt outcomes in one transaction. An outcome applies
    /// only while its job is `running` with the same `attempt` (fencing); the others
    /// are counted in [`FinishReport::fenced`] and change nothing.
    fn job_finish_many(&self, outcomes: &[Outcome], now: i64) -> Result<FinishReport>;

    /// Puts `running` jobs whose lease expired before `now` back to `pending`,
    /// counting the interruption in `crash_count` without spending a retry. A job
    /// whose `crash_count` thereby reaches `max_crashes` is quarantined instead: it
    /// becomes `dead` with the error "quarantined: the worker died N times while
    /// running it", recorded in `job_errors` and copied to the dead letters like
    /// [`Outcome::Dead`].
    fn job_rescue_expired(&self, now: i64, max_crashes: i32) -> Result<RescueReport>;

    /// Like [`Store::job_rescue_expired`], for every `running` job leased to
    /// `worker_id` whatever its lease: that worker is known to be dead.
    fn job_rescue_owner(&self, worker_id: &str, now: i64, max_crashes: i32)
        -> Result<RescueReport>;

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

    /// Deletes `complete` jobs that have a `result_ttl_ms` and finished at least
    /// that long before `now`. Returns how many.
    fn job_purge_expired_results(&self, now: i64) -> Result<u64>;

    /// Deletes `complete` jobs finished before `before`. Returns how many.
    fn job_purge_completed(&self, before: i64) -> Result<u64>;

    /// The dead-letter entries, newest first, without payloads.
    fn dead_list(&self, limit: u32, offset: u32) -> Result<Vec<DeadLetter>>;

    /// Enqueues a fresh copy of a dead-lettered job (new id, no retries spent,
    /// runnable now) and removes the dead-letter entry. Returns the new job id, or
    /// [`crate::Error::NotFound`].
    fn dead_retry(&self, dead_id: &str, now: i64) -> Result<String>;

    /// Deletes dead-letter entries that failed before `before`. Returns how many.
    fn dead_purge(&self, before: i64) -> Result<u64>;

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

    // --- dashboard ---

    /// Like [`Store::job_list`] (its `offset` ignored), but only the jobs that come
    /// after `cursor` in the newest-first order: keyset paging, whose cost does not
    /// grow with the page number. Jobs created at the same millisecond keep the
    /// order `job_list` gives them; if the cursor's job no longer exists, the page
    /// starts with the jobs created before `cursor.created_at`.
    fn job_list_after(&self, filter: &JobFilter, cursor: &JobCursor) -> Result<Vec<Job>>;

    /// Counts of `pending` and `running` jobs per queue (queues with none are left
    /// out). The cost grows with the backlog, not with the finished jobs kept.
    fn job_live_counts(&self) -> Result<Vec<QueueCount>>;

    /// The jobs completed at or after `since`, grouped into buckets of `bucket_ms`
    /// starting at `since`, oldest first; only non-empty buckets. Reads at most the
    /// `limit` most recently completed jobs, so its cost is bounded whatever the rate.
    fn job_completion_series(
        &self,
        since: i64,
        bucket_ms: i64,
        limit: u32,
    ) -> Result<Vec<SeriesBucket>>;
}
