//! A small pool of connections, and [`Pool::run`]: every store call goes
//! through it, so a server that went away is retried on fresh connections with
//! backoff until the reconnect budget is spent.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use taskito_core::Result;

use crate::blocking::{drop_off_runtime, off_runtime};
use crate::connection::{Conn, TxError};
use crate::endpoint::Endpoint;
use crate::errors::{self, Class, Target};
use crate::outage::Outage;

/// What an attempt knows about the attempts before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prior {
    /// Nothing was written by an earlier attempt (or there was none).
    Clean,
    /// An earlier attempt lost its connection after sending COMMIT: its writes
    /// may or may not have happened. Non-idempotent operations reconcile.
    UnknownCommit,
}

/// The failure of one attempt, and whether it happened while committing.
#[derive(Debug)]
pub(crate) struct Failed {
    error: TxError,
    at_commit: bool,
}

impl Failed {
    pub(crate) fn at_commit(e: postgres::Error) -> Self {
        Self {
            error: TxError::Pg(e),
            at_commit: true,
        }
    }
}

impl From<TxError> for Failed {
    fn from(error: TxError) -> Self {
        Self {
            error,
            at_commit: false,
        }
    }
}

impl From<postgres::Error> for Failed {
    fn from(e: postgres::Error) -> Self {
        TxError::Pg(e).into()
    }
}

/// First pause after a lost connection; doubled up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// Deadlocks and serialization failures: retried at once, this many times.
const TRANSIENT_TRIES: u32 = 20;

pub(crate) struct Pool {
    endpoint: Endpoint,
    schema: String,
    target: Target,
    size: usize,
    budget: Duration,
    outage: Arc<Outage>,
    state: Mutex<State>,
    returned: Condvar,
}

struct State {
    idle: Vec<Conn>,
    /// Connections that exist, idle or lent out (or being opened).
    open: usize,
}

impl Pool {
    pub(crate) fn new(
        endpoint: Endpoint,
        schema: String,
        target: Target,
        size: usize,
        budget: Duration,
        outage: Arc<Outage>,
    ) -> Self {
        Self {
            endpoint,
            schema,
            target,
            size: size.max(1),
            budget,
            outage,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection, a new one while fewer than `size` exist, or the
    /// next one returned.
    fn take(&self) -> Result<Conn, postgres::Error> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(conn);
            }
            if state.open < self.size {
                state.open += 1;
                drop(state);
                return Conn::open(&self.endpoint, &self.schema).inspect_err(|_| {
                    self.lock().open -= 1;
                    self.returned.notify_one();
                });
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn give_back(&self, conn: Conn) {
        self.lock().idle.push(conn);
        self.returned.notify_one();
    }

    /// Forgets a broken connection and every idle one: when the server went
    /// away they are all dead, and finding that out one call at a time would
    /// spend a retry on each.
    fn discard(&self, conn: Conn) {
        drop(conn);
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.open -= 1 + idle.len();
            idle
        };
        drop(idle);
        self.returned.notify_all();
    }

    /// Runs `attempt` on a pooled connection until it succeeds, fails for a
    /// reason that retrying does not fix, or the server stayed unreachable for
    /// the whole budget (see [`with_reconnect`]).
    pub(crate) fn run<T: Send>(
        &self,
        mut attempt: impl FnMut(&mut Conn, Prior) -> Result<T, Failed> + Send,
    ) -> Result<T> {
        with_reconnect(self.budget, &self.target, &self.outage, |prior| {
            let mut conn = self.take()?;
            let outcome = attempt(&mut conn, prior);
            match &outcome {
                Err(Failed {
                    error: TxError::Pg(e),
                    ..
                }) if errors::classify(e) == Class::Lost => self.discard(conn),
                _ => self.give_back(conn),
            }
            outcome
        })
    }
}

impl Pool {
    /// Runs `op` once on a pooled connection, without retrying; returns
    /// whether it worked. For work that may be dropped (notifications), from a
    /// thread of the store's own (never inside a runtime).
    pub(crate) fn once(&self, op: impl FnOnce(&mut Conn) -> Result<(), postgres::Error>) -> bool {
        let Ok(mut conn) = self.take() else {
            return false;
        };
        match op(&mut conn) {
            Ok(()) => {
                self.give_back(conn);
                true
            }
            Err(e) => {
                if errors::classify(&e) == Class::Lost {
                    self.discard(conn);
                } else {
                    self.give_back(conn);
                }
                false
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.lock().idle);
        drop_off_runtime(idle);
    }
}

/// Runs `attempt` until it succeeds, fails for a reason that retrying does not
/// fix, or the server stayed unreachable for `budget`. Lost connections are
/// retried with jittered exponential backoff; deadlocks and serialization
/// failures (rolled back by the server) at once. A failure during COMMIT makes
/// every later attempt see [`Prior::UnknownCommit`].
/// The first loss of an outage and the first success after it are reported
/// once through `outage`.
///
/// Each attempt runs through [`off_runtime`], so the store can be called from
/// inside a tokio runtime.
pub(crate) fn with_reconnect<T: Send>(
    budget: Duration,
    target: &Target,
    outage: &Outage,
    mut attempt: impl FnMut(Prior) -> Result<T, Failed> + Send,
) -> Result<T> {
    let started = Instant::now();
    let mut prior = Prior::Clean;
    let mut pause = FIRST_PAUSE;
    let mut transient = 0;
    loop {
        let (e, at_commit) = match off_runtime(|| attempt(prior)) {
            Ok(value) => {
                outage.back();
                return Ok(value);
            }
            Err(Failed {
                error: TxError::Fail(e),
                ..
            }) => return Err(e),
            Err(Failed {
                error: TxError::Pg(e),
                at_commit,
            }) => (e, at_commit),
        };
        match errors::classify(&e) {
            Class::Fatal => return Err(errors::to_core(e, target)),
            Class::Transient => {
                transient += 1;
                if transient >= TRANSIENT_TRIES {
                    return Err(errors::to_core(e, target));
                }
            }
            Class::Lost => {
                outage.lost(&errors::describe(&e));
                if at_commit {
                    prior = Prior::UnknownCommit;
                }
                let waited = started.elapsed();
                if waited >= budget {
                    return Err(errors::unreachable(e, target, waited.as_millis()));
                }
                // Jitter so that the workers of a cluster do not reconnect in
                // lockstep after a restart.
                let nap = pause.mul_f64(0.5 + fastrand::f64() / 2.0);
                thread::sleep(nap.min(budget - waited));
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}
