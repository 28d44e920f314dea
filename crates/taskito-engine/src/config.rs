use std::collections::HashMap;

use crate::PeriodicTask;
use crate::TaskLimits;

/// How one worker process runs. Durations in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Unique per worker process; the lease owner of its jobs.
    pub worker_id: String,
    /// Queues served; never empty.
    pub queues: Vec<String>,
    /// Worker OS threads (concurrent jobs).
    pub threads: usize,
    /// Jobs claimed ahead of free threads, so a thread never waits for a claim
    /// and claims come in batches (one write transaction per several jobs). They
    /// are leased but not started; a shutdown gives them back unspent. Lower it
    /// (even to 0) for long jobs shared by many workers, where holding jobs a busy
    /// worker cannot start yet is unfair to idle ones. With `prefetch_max` above
    /// it, this is the floor of an adaptive prefetch (see [`Self::prefetch_for`]).
    pub prefetch: usize,
    /// The most jobs claimed ahead when jobs are short: the prefetch grows to
    /// about [`PREFETCH_WINDOW_US`] of work per thread, up to this. Equal to
    /// `prefetch` (what `Queue(prefetch=N)` sets): a fixed prefetch.
    pub prefetch_max: usize,
    /// How long a silent worker keeps its jobs.
    pub lease_ms: i64,
    /// How often the worker row and leases are refreshed.
    pub heartbeat_ms: u64,
    /// Fallback poll of the job table when nothing wakes the scheduler.
    pub poll_ms: u64,
    /// How often another process's commits are looked for, in microseconds.
    pub marker_poll_us: u64,
    /// How long a graceful shutdown waits for running jobs.
    pub grace_ms: u64,
    /// Most outcomes written in one transaction.
    pub max_commit_batch: usize,
    /// Worker deaths during one job after which it is quarantined (dead-lettered).
    pub max_crashes: i32,
    /// How long storage may keep failing (full disk, lock held for minutes)
    /// before the worker stops with that error. An unusable database (read-only,
    /// removed, damaged) stops it at once.
    pub give_up_after_ms: u64,
    /// Rate limits and circuit breakers, by task name (tasks not named have
    /// none and pay nothing for them).
    pub limits: HashMap<String, TaskLimits>,
    /// Periodic tasks this worker enqueues (with every other worker that has
    /// them: each tick once). Empty: no ticker thread, no cost.
    pub periodic: Vec<PeriodicTask>,
    /// How long task metrics and job log lines are kept (the heartbeat prunes
    /// older ones about once a minute).
    pub observability_retention_ms: i64,
}

impl WorkerConfig {
    #[must_use]
    pub fn new(worker_id: impl Into<String>, queues: Vec<String>, threads: usize) -> Self {
        let threads = threads.max(1);
        Self {
            worker_id: worker_id.into(),
            queues,
            threads,
            prefetch: (2 * threads).max(8),
            prefetch_max: (32 * threads).max(64),
            lease_ms: 10_000,
            heartbeat_ms: 1_000,
            poll_ms: 50,
            marker_poll_us: 500,
            grace_ms: 30_000,
            max_commit_batch: 512,
            max_crashes: 3,
            give_up_after_ms: 30_000,
            limits: HashMap::new(),
            periodic: Vec::new(),
            observability_retention_ms: 7 * 24 * 3_600_000,
        }
    }

    /// Jobs this worker holds at most (running plus waiting for a thread).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.threads + self.prefetch.max(self.prefetch_max)
    }

    /// The prefetch for jobs that run `mean_run_us` each (0: not known yet):
    /// about [`PREFETCH_WINDOW_US`] of work per thread, within
    /// `prefetch..=prefetch_max`. Short jobs are claimed many per transaction
    /// (claims were three quarters of a no-op worker's time at 8 per claim);
    /// long ones few, so a busy worker holds back little that an idle one could
    /// run.
    #[must_use]
    pub fn prefetch_for(&self, mean_run_us: u64) -> usize {
        if self.prefetch_max <= self.prefetch || mean_run_us == 0 {
            return self.prefetch;
        }
        let per_thread = PREFETCH_WINDOW_US / mean_run_us;
        let wanted = usize::try_from(per_thread)
            .unwrap_or(usize::MAX)
            .saturating_mul(self.threads);
        wanted.clamp(self.prefetch, self.prefetch_max)
    }
}

/// How much work (in microseconds, per worker thread) an adaptive prefetch
/// claims ahead: a worker holds back at most about this much from the others.
pub const PREFETCH_WINDOW_US: u64 = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_prefetch_covers_a_window_of_work_within_its_bounds() {
        let config = WorkerConfig::new("w", vec!["q".into()], 2);
        assert_eq!((config.prefetch, config.prefetch_max), (8, 64));
        // Unknown durations: the floor.
        assert_eq!(config.prefetch_for(0), 8);
        // 1 ms jobs: 10 per thread; 0.1 ms jobs: 100 per thread, capped.
        assert_eq!(config.prefetch_for(1_000), 20);
        assert_eq!(config.prefetch_for(100), 64);
        // Long jobs: the floor.
        assert_eq!(config.prefetch_for(5_000_000), 8);
        assert_eq!(config.capacity(), 2 + 64);
    }

    #[test]
    fn a_fixed_prefetch_does_not_adapt() {
        let mut config = WorkerConfig::new("w", vec!["q".into()], 4);
        config.prefetch = 0;
        config.prefetch_max = 0;
        assert_eq!(config.prefetch_for(10), 0);
        assert_eq!(config.capacity(), 4);
    }
}
