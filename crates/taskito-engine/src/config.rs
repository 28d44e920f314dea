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
    /// worker cannot start yet is unfair to idle ones.
    pub prefetch: usize,
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
        self.threads + self.prefetch
    }
}
