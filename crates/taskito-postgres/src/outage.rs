//! One line when the server is lost and one when it is back, however many
//! calls (and the listener) notice: during an outage every thread retries on
//! its own, and a log line per retry would bury the one that matters.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::errors::Target;

/// After "reconnected", losses found within this window are the stale
/// connections of the same outage (pooled ones in use at the time, found broken
/// one by one): they are handled quietly instead of printing a pair each.
const SAME_OUTAGE: Duration = Duration::from_secs(2);

#[derive(Debug)]
pub(crate) struct Outage {
    target: Target,
    budget: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    down: bool,
    /// This loss was not announced (it belongs to the outage just reported).
    quiet: bool,
    back_at: Option<Instant>,
}

impl Outage {
    pub(crate) fn new(target: Target, budget: Duration) -> Self {
        Self {
            target,
            budget,
            state: Mutex::new(State::default()),
        }
    }

    /// A connection was lost (or could not be made) because of `reason`.
    pub(crate) fn lost(&self, reason: &str) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.down {
            return;
        }
        state.down = true;
        state.quiet = state.back_at.is_some_and(|at| at.elapsed() < SAME_OUTAGE);
        if !state.quiet {
            eprintln!(
                "[taskito] lost the connection to PostgreSQL at {} ({reason}); reconnecting with backoff (each call retries for {} s; workers keep waiting)",
                self.target,
                self.budget.as_secs()
            );
        }
    }

    /// A call or the listener works again.
    pub(crate) fn back(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !std::mem::take(&mut state.down) {
            return;
        }
        if !std::mem::take(&mut state.quiet) {
            state.back_at = Some(Instant::now());
            eprintln!("[taskito] reconnected to PostgreSQL at {}", self.target);
        }
    }
}
