use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// Rung by the result handler after each commit, so a thread of the same process
/// waiting for a job's result (`JobResult.result()`) looks again at once instead
/// of at its next poll.
#[derive(Debug, Default)]
pub struct Bell {
    rings: Mutex<u64>,
    rung: Condvar,
}

impl Bell {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many times it has rung so far.
    #[must_use]
    pub fn rings(&self) -> u64 {
        *self.rings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn ring(&self) {
        *self.rings.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.rung.notify_all();
    }

    /// Waits up to `timeout` for a ring after `seen` rings; returns the count.
    pub fn wait_past(&self, seen: u64, timeout: Duration) -> u64 {
        let guard = self.rings.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = self
            .rung
            .wait_timeout_while(guard, timeout, |n| *n <= seen)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}
