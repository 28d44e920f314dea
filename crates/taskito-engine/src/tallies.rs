//! Task metrics, recorded off the hot path: worker threads add each attempt's
//! duration to an in-memory tally per task (a short lock, no I/O); the
//! heartbeat thread folds those tallies into per-minute rollups and writes the
//! ones that changed, one small transaction per beat, and prunes old rollups
//! and log lines.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use taskito_core::{metric_bucket, MetricRollup, MetricTally, PurgeTarget, Result, Store};

/// Attempts finished since the heartbeat last looked, per task name.
#[derive(Debug, Default)]
pub(crate) struct AttemptTallies {
    pending: Mutex<HashMap<String, MetricTally>>,
}

impl AttemptTallies {
    /// Counts one attempt of `task` that took `us` microseconds.
    pub(crate) fn record(&self, task: &str, us: i64, ok: bool) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tally) = pending.get_mut(task) {
            tally.record(us, ok);
        } else {
            let mut tally = MetricTally::default();
            tally.record(us, ok);
            pending.insert(task.to_owned(), tally);
        }
    }

    fn drain(&self) -> HashMap<String, MetricTally> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The heartbeat thread's running rollups of this worker for the current
/// minute, and which of them the store has not seen yet.
#[derive(Debug)]
pub(crate) struct Rollups {
    worker_id: String,
    current: HashMap<String, MetricRollup>,
    unwritten: HashSet<String>,
    beats: u64,
}

/// How long passes, across the cluster, between two prunes of old rollups and
/// log lines (one worker's turn, see `Store::maintenance_turn`).
const PRUNE_EVERY_MS: i64 = 60_000;
/// How many beats pass between two prunes of old rollups and log lines.
const PRUNE_EVERY: u64 = 60;

impl Rollups {
    pub(crate) fn new(worker_id: &str) -> Self {
        Self {
            worker_id: worker_id.to_owned(),
            current: HashMap::new(),
            unwritten: HashSet::new(),
            beats: 0,
        }
    }

    fn absorb(&mut self, drained: HashMap<String, MetricTally>, now: i64) {
        let bucket = metric_bucket(now);
        for (task, tally) in drained {
            let rollup = self
                .current
                .entry(task.clone())
                .or_insert_with(|| MetricRollup {
                    worker_id: self.worker_id.clone(),
                    task_name: task.clone(),
                    bucket_start: bucket,
                    last_at: now,
                    tally: MetricTally::default(),
                });
            if rollup.bucket_start != bucket {
                if self.unwritten.contains(&task) {
                    // The last minute's row is not stored yet: keep adding to
                    // it rather than lose it (its minute is only a label).
                } else {
                    rollup.bucket_start = bucket;
                    rollup.tally = MetricTally::default();
                }
            }
            rollup.tally.merge(&tally);
            rollup.last_at = now;
            self.unwritten.insert(task);
        }
    }

    /// Writes the attempts recorded since the last beat; every
    /// [`PRUNE_EVERY`] beats, deletes rollups and log lines older than
    /// `retention_ms`. On error the tallies stay in memory for the next beat.
    pub(crate) fn flush(
        &mut self,
        store: &dyn Store,
        tallies: &AttemptTallies,
        now: i64,
        retention_ms: i64,
    ) -> Result<()> {
        self.absorb(tallies.drain(), now);
        if !self.unwritten.is_empty() {
            let rows: Vec<MetricRollup> = self
                .unwritten
                .iter()
                .filter_map(|task| self.current.get(task).cloned())
                .collect();
            store.metric_upsert_many(&rows)?;
            self.unwritten.clear();
        }
        let due = self.beats % PRUNE_EVERY == 0;
        if due && store.maintenance_turn("prune_observability", now, PRUNE_EVERY_MS)? {
            store.purge(PurgeTarget::Metrics, now - retention_ms)?;
            store.purge(PurgeTarget::Logs, now - retention_ms)?;
        }
        self.beats += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{AttemptTallies, Rollups};

    #[test]
    fn a_new_minute_starts_a_new_rollup_once_the_old_one_is_written() {
        let tallies = AttemptTallies::default();
        let mut rollups = Rollups::new("w");
        tallies.record("t", 1_000, true);
        rollups.absorb(tallies.drain(), 30_000);
        tallies.record("t", 2_000, false);
        rollups.absorb(tallies.drain(), 61_000);
        // Not written yet: both attempts stay in one row.
        assert_eq!(rollups.current["t"].tally.count, 2);
        rollups.unwritten.clear();
        tallies.record("t", 3_000, true);
        rollups.absorb(tallies.drain(), 62_000);
        let row = &rollups.current["t"];
        assert_eq!(
            (row.bucket_start, row.tally.count, row.last_at),
            (60_000, 1, 62_000)
        );
        assert!(tallies.drain().is_empty());
    }
}
