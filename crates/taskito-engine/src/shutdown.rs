use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Where a worker is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Claims nothing more; waits for running jobs.
    Draining,
    Stopped,
}

/// The worker's phase, shared by every thread of it and by whoever asks it to stop.
#[derive(Debug)]
pub struct Shutdown {
    phase: Mutex<Phase>,
    changed: Condvar,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            phase: Mutex::new(Phase::Running),
            changed: Condvar::new(),
        }
    }
}

impl Shutdown {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn phase(&self) -> Phase {
        *self.lock()
    }

    /// True once a stop was asked for.
    #[must_use]
    pub fn is_requested(&self) -> bool {
        self.phase() != Phase::Running
    }

    /// Asks for a graceful stop. Returns false if one was already asked for.
    pub fn request(&self) -> bool {
        let mut phase = self.lock();
        if *phase != Phase::Running {
            return false;
        }
        *phase = Phase::Draining;
        self.changed.notify_all();
        true
    }

    pub(crate) fn mark_stopped(&self) {
        *self.lock() = Phase::Stopped;
        self.changed.notify_all();
    }

    /// Waits up to `timeout` for the phase to differ from `from`; returns the phase.
    pub fn wait_change(&self, from: Phase, timeout: Duration) -> Phase {
        let guard = self.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |p| *p == from)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard
    }

    /// Waits up to `timeout` for the worker to stop; true if it did.
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |p| *p != Phase::Stopped)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard == Phase::Stopped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
