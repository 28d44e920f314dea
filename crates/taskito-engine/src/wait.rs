use std::time::{Duration, Instant};

use taskito_core::{Job, Result, Store};

/// How often the job row is read again when no commit was noticed.
const REREAD_EVERY: Duration = Duration::from_millis(50);
/// How often the store's change marker is looked at.
const MARKER_EVERY: Duration = Duration::from_micros(500);

/// Waits until the job is in a terminal state or `timeout` passes, and returns its
/// latest snapshot (`None` for an unknown id). Re-reads the row only when some
/// commit happened, so a waiter costs one cheap marker read per half millisecond.
pub fn wait_for_terminal(
    store: &dyn Store,
    job_id: &str,
    timeout: Duration,
) -> Result<Option<Job>> {
    let deadline = Instant::now() + timeout;
    let mut marker = store.change_marker()?;
    loop {
        let job = store.job_get(job_id)?;
        let done = job.as_ref().is_none_or(|j| j.status.is_terminal());
        if done || Instant::now() >= deadline {
            return Ok(job);
        }
        let read_at = Instant::now();
        loop {
            std::thread::sleep(MARKER_EVERY);
            let now = Instant::now();
            let current = store.change_marker()?;
            if current != marker || now >= deadline || now - read_at >= REREAD_EVERY {
                marker = current;
                break;
            }
        }
    }
}
