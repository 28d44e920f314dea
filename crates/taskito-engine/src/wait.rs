use std::time::{Duration, Instant};

use taskito_core::{Job, Result, Store};

use crate::Bell;

/// How often the job row is read again when no commit was noticed.
const REREAD_EVERY: Duration = Duration::from_millis(50);
/// How often the store's change marker is looked at.
const MARKER_EVERY: Duration = Duration::from_micros(500);

/// Waits until the job is in a terminal state or `timeout` passes, and returns its
/// latest snapshot (`None` for an unknown id). Re-reads the row only when some
/// commit happened: one rung on `bell` by a worker of this process, or one seen in
/// the store's change marker (another process), checked every half millisecond.
pub fn wait_for_terminal(
    store: &dyn Store,
    bell: &Bell,
    job_id: &str,
    timeout: Duration,
) -> Result<Option<Job>> {
    let deadline = Instant::now() + timeout;
    let mut marker = store.change_marker()?;
    let mut rings = bell.rings();
    loop {
        let job = store.job_get(job_id)?;
        let done = job.as_ref().is_none_or(|j| j.status.is_terminal());
        if done || Instant::now() >= deadline {
            return Ok(job);
        }
        let read_at = Instant::now();
        loop {
            let rung = bell.wait_past(rings, MARKER_EVERY);
            let now = Instant::now();
            let current = store.change_marker()?;
            if rung != rings
                || current != marker
                || now >= deadline
                || now - read_at >= REREAD_EVERY
            {
                (rings, marker) = (rung, current);
                break;
            }
        }
    }
}
