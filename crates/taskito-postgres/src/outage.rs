//! One line when the server is lost and one when it is back, however many
//! calls (and the listener) notice: during an outage every thread retries on
//! its own, and a log line per retry would bury the one that matters.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::errors::Target;

#[derive(Debug)]
pub(crate) struct Outage {
    target: Target,
    budget: Duration,
    down: AtomicBool,
}

impl Outage {
    pub(crate) fn new(target: Target, budget: Duration) -> Self {
        Self {
            target,
            budget,
            down: AtomicBool::new(false),
        }
    }

    /// A connection was lost (or could not be made) because of `reason`.
    pub(crate) fn lost(&self, reason: &str) {
        if !self.down.swap(true, Ordering::AcqRel) {
            eprintln!(
                "[taskito] lost the connection to PostgreSQL at {} ({reason}); reconnecting with backoff (a call gives up after {} s)",
                self.target,
                self.budget.as_secs()
            );
        }
    }

    /// A call or the listener works again.
    pub(crate) fn back(&self) {
        if self.down.load(Ordering::Acquire) && self.down.swap(false, Ordering::AcqRel) {
            eprintln!("[taskito] reconnected to PostgreSQL at {}", self.target);
        }
    }
}
