use std::time::Duration;

use crossbeam_channel::Sender;
use taskito_core::{ClaimRequest, Clock, Job, Store};

use crate::trouble::Trouble;
use crate::worker::Shared;
use crate::WorkerConfig;

/// The claim loop. It runs alone on a single-threaded tokio runtime, so the
/// blocking store calls inside it hold up nothing else. It claims ready jobs for
/// the free slots, hands them to the worker threads, and otherwise waits for the
/// first of: a wake-up (enqueue in this process, a freed slot, a commit by another
/// process noticed by [`crate::watcher`]) or the fallback poll.
pub(crate) async fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Shared,
    config: &WorkerConfig,
    jobs: Sender<Job>,
) {
    let poll = Duration::from_millis(config.poll_ms.max(1));
    let mut failures = 0_u32;
    let mut trouble = Trouble::new(
        "claiming jobs",
        Duration::from_millis(config.give_up_after_ms),
    );
    while !shared.shutdown.is_requested() {
        let prefetch = config.prefetch_for(shared.mean_run_us());
        let refill_batch = (prefetch / 2).max(1);
        let free = (config.threads + prefetch).saturating_sub(shared.inflight());
        // Claim in batches: wait until half the prefetch is free unless the
        // threads are about to run dry. One claim per job would cost a write
        // transaction per job.
        let refill = free > 0 && (jobs.is_empty() || free >= refill_batch);
        if refill {
            match store.job_claim(&request(config, clock, free)) {
                Ok(claimed) if !claimed.is_empty() => {
                    failures = 0;
                    trouble.cleared();
                    shared.add_inflight(claimed.len());
                    for job in claimed {
                        // Never blocks: the channel holds `capacity` and we hold
                        // fewer than that.
                        if jobs.send(job).is_err() {
                            return;
                        }
                    }
                    continue;
                }
                Ok(_) => {
                    failures = 0;
                    trouble.cleared();
                }
                Err(e) => {
                    if trouble.failed(&e) {
                        shared.fail(&e);
                        return;
                    }
                    failures += 1;
                }
            }
        }
        // Wait for a wake-up (enqueue here, a freed thread, another process's
        // commit seen by the watcher) or the fallback poll, longer while the
        // store keeps failing.
        let backoff = poll * failures.min(20);
        let _ = tokio::time::timeout(poll.max(backoff), shared.wake.notified()).await;
    }
}

fn request(config: &WorkerConfig, clock: &dyn Clock, free: usize) -> ClaimRequest {
    ClaimRequest {
        worker_id: config.worker_id.clone(),
        queues: config.queues.clone(),
        limit: u32::try_from(free).unwrap_or(u32::MAX),
        now: clock.now_ms(),
        lease_ms: config.lease_ms,
    }
}
