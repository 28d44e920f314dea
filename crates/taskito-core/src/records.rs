use crate::JobState;

/// Filter for listing jobs, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    pub status: Option<JobState>,
    pub queue: Option<String>,
    pub task_name: Option<String>,
    /// At most this many jobs; 0: no limit ([`crate::row_limit`]).
    pub limit: u32,
    pub offset: u32,
}

/// Ask for up to `limit` ready jobs of `queues`, to run under a lease of `lease_ms`
/// (a `limit` of 0 claims nothing: [`ClaimRequest::claims_nothing`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimRequest {
    pub worker_id: String,
    pub queues: Vec<String>,
    pub limit: u32,
    pub now: i64,
    pub lease_ms: i64,
}

/// The live work of one queue: jobs waiting and jobs running.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueDepth {
    pub queue: String,
    pub pending: u64,
    pub running: u64,
}

impl QueueDepth {
    /// Folds `(queue, is_running, count)` rows into one entry per queue, by name.
    #[must_use]
    pub fn collect(rows: impl IntoIterator<Item = (String, bool, i64)>) -> Vec<QueueDepth> {
        let mut by_queue: std::collections::BTreeMap<String, QueueDepth> = Default::default();
        for (queue, running, count) in rows {
            let entry = by_queue.entry(queue.clone()).or_insert_with(|| QueueDepth {
                queue,
                ..QueueDepth::default()
            });
            let count = u64::try_from(count).unwrap_or(0);
            if running {
                entry.running += count;
            } else {
                entry.pending += count;
            }
        }
        by_queue.into_values().collect()
    }
}

/// Job counts by state, over all queues.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub pending: u64,
    pub running: u64,
    pub complete: u64,
    pub failed: u64,
    pub dead: u64,
    pub cancelled: u64,
}

impl Stats {
    /// Adds `n` to the counter of `state`.
    pub fn add(&mut self, state: JobState, n: u64) {
        let slot = match state {
            JobState::Pending => &mut self.pending,
            JobState::Running => &mut self.running,
            JobState::Complete => &mut self.complete,
            JobState::Failed => &mut self.failed,
            JobState::Dead => &mut self.dead,
            JobState::Cancelled => &mut self.cancelled,
        };
        *slot += n;
    }
}

/// One failed attempt of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobErrorRecord {
    pub id: i64,
    pub job_id: String,
    pub attempt: i32,
    pub error: String,
    pub failed_at: i64,
}

/// A job that failed for good, as kept in the dead-letter table.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub id: String,
    pub original_job_id: String,
    pub queue: String,
    pub task_name: String,
    pub error: Option<String>,
    pub retry_count: i32,
    pub failed_at: i64,
    pub metadata: Option<String>,
}

/// A worker process as it registers itself and heartbeats.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerInfo {
    pub worker_id: String,
    pub hostname: String,
    pub pid: u32,
    /// Comma-joined queue names.
    pub queues: String,
    pub threads: u32,
    pub started_at: i64,
    pub last_heartbeat: i64,
}

/// Which `running` jobs [`crate::Store::job_rescue`] takes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RescueScope<'a> {
    /// Those whose lease expired before `now`.
    Expired,
    /// Every job leased to this worker whatever its lease: the worker is known to be dead.
    Owner(&'a str),
}

/// Which side of the dependency graph [`crate::Store::job_links`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The ids a job depends on, in the order given at insert.
    DependsOn,
    /// The ids of the jobs that depend on it, oldest first.
    Dependents,
}

/// What [`crate::Store::purge`] deletes, and what its `before` means there. A
/// purged job takes its recorded errors, log lines and dependency edges with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeTarget {
    /// `complete` jobs that have a `result_ttl_ms` and finished at least that
    /// long before `before`, which is the current time here (finish + TTL <= now).
    ExpiredResults,
    /// `complete` jobs finished before `before`.
    Completed,
    /// Dead-letter entries that failed before `before`.
    DeadLetters,
    /// Job log lines logged before `before`.
    Logs,
    /// Metric rollups whose `last_at` is before `before`.
    Metrics,
}

/// What a rescue of interrupted jobs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RescueReport {
    /// Put back to `pending`.
    pub rescued: u64,
    /// Dead-lettered because their worker died too often while running them.
    pub quarantined: u64,
}

/// One replay of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayRecord {
    pub id: i64,
    pub original_job_id: String,
    pub replay_job_id: String,
    pub replayed_at: i64,
    pub original_error: Option<String>,
    pub replay_error: Option<String>,
}
