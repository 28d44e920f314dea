use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};
use taskito_core::{Clock, PurgeTarget, RescueScope, Result, Store, WorkerInfo};

use crate::tallies::Rollups;
use crate::trouble::Trouble;
use crate::worker::Shared;

/// What the heartbeat thread needs besides the store.
pub(crate) struct Beat {
    pub(crate) info: WorkerInfo,
    pub(crate) lease_ms: i64,
    pub(crate) max_crashes: i32,
    pub(crate) every: Duration,
    pub(crate) give_up_after: Duration,
    /// How long metrics and log lines are kept.
    pub(crate) retention_ms: i64,
}

/// Once a beat until `stop` is dropped: refresh this worker's row and its jobs'
/// leases (so a long task never loses its lease), put back jobs whose lease ran
/// out or whose worker process on this host is gone, quarantine jobs that keep
/// killing their workers, prune results past their TTL, and write task metrics.
pub(crate) fn run(
    stop: &Receiver<()>,
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Arc<Shared>,
    mut beat: Beat,
) {
    let mut trouble = Trouble::new("the heartbeat", beat.give_up_after);
    let mut rollups = Rollups::new(&beat.info.worker_id);
    loop {
        match stop.recv_timeout(beat.every) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                // The last attempts' metrics; best effort, the worker is stopping.
                let _ = rollups.flush(store, &shared.tallies, clock.now_ms(), beat.retention_ms);
                return;
            }
        }
        let now = clock.now_ms();
        beat.info.last_heartbeat = now;
        let result = store
            .worker_heartbeat(&beat.info, now + beat.lease_ms)
            .and_then(|()| recover(store, &beat.info, now, beat.max_crashes))
            .and_then(|rescued| tidy(store, now).map(|()| rescued))
            .and_then(|rescued| {
                rollups
                    .flush(store, &shared.tallies, now, beat.retention_ms)
                    .map(|()| rescued)
            });
        match result {
            Ok(rescued) => {
                trouble.cleared();
                if rescued > 0 {
                    shared.wake.notify();
                }
            }
            Err(e) => {
                if trouble.failed(&e) {
                    shared.fail(&e);
                    return;
                }
            }
        }
    }
}

/// Deletes results past their TTL and compacts the job counts, when it is this
/// worker's turn: once per second across the cluster, not once per worker.
fn tidy(store: &dyn Store, now: i64) -> Result<()> {
    if store.maintenance_turn("purge_expired_results", now, 1_000)? {
        store.purge(PurgeTarget::ExpiredResults, now)?;
        store.compact_counts()?;
    }
    Ok(())
}

/// Puts back the jobs of workers known to be dead (same host, process gone) and
/// of any worker whose lease ran out. Returns how many jobs went back to pending.
pub(crate) fn recover(
    store: &dyn Store,
    me: &WorkerInfo,
    now: i64,
    max_crashes: i32,
) -> Result<u64> {
    let mut rescued = 0;
    for worker in store.worker_list()? {
        let local = worker.hostname == me.hostname && worker.worker_id != me.worker_id;
        if local && !process_alive(worker.pid) {
            rescued += store
                .job_rescue(RescueScope::Owner(&worker.worker_id), now, max_crashes)?
                .rescued;
            store.worker_unregister(&worker.worker_id)?;
        }
    }
    Ok(rescued
        + store
            .job_rescue(RescueScope::Expired, now, max_crashes)?
            .rescued)
}

/// Whether a process of this host is alive (a zombie is not). Where `/proc` is
/// missing we cannot tell and assume it is, leaving its jobs to lease expiry.
fn process_alive(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return true;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name, which may hold spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.trim_start().chars().next())
            .is_none_or(|state| state != 'Z' && state != 'X'),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::process_alive;

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_not() {
        assert!(process_alive(std::process::id()));
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("spawn true");
        let pid = child.id();
        child.wait().expect("reap");
        assert!(!process_alive(pid));
    }
}
