//! Group commit for producers: concurrent enqueues share one transaction.
//!
//! One `delay()` is one durable transaction, and most of its time is the commit.
//! When several threads of a process enqueue at the same moment, the first becomes
//! the leader: it takes every request waiting at that moment and inserts them with
//! one `Store::job_insert`; the others wait for it, and whoever arrives meanwhile
//! waits for the next leader. Every caller still returns only after its own jobs are
//! committed, with the ids that stand for them. A lone caller pays two uncontended
//! lock operations over a direct insert.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use taskito_core::{DepRef, Error, GraphJob, Result, Store};

/// The longest a leader waits for the callers of the last shared round.
const MAX_GATHER: Duration = Duration::from_millis(1);

/// Inserts jobs for the producers of one process, sharing commits between them.
pub struct InsertGroup {
    store: Arc<dyn Store>,
    state: Mutex<State>,
    done: Condvar,
    /// Rung when a request joins `waiting` (a leader may be gathering).
    arrived: Condvar,
}

#[derive(Default)]
struct State {
    /// True while a leader is inserting.
    leading: bool,
    waiting: Vec<Request>,
    finished: HashMap<u64, Result<Vec<String>>>,
    next_ticket: u64,
    /// Requests in the last transaction, and how long it took: when callers
    /// shared the last one, the next leader waits (a fraction of a commit) for as
    /// many to gather, since they are on their way back from the last round.
    last_batch: usize,
    last_commit: Duration,
}

struct Request {
    ticket: u64,
    jobs: Vec<GraphJob>,
}

impl InsertGroup {
    #[must_use]
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            state: Mutex::new(State::default()),
            done: Condvar::new(),
            arrived: Condvar::new(),
        }
    }

    /// Inserts `jobs` (as [`Store::job_insert`] does, all or none) in a
    /// transaction possibly shared with other callers' jobs; returns once they
    /// are committed.
    ///
    /// # Errors
    /// The store's error for these jobs. A shared transaction that fails is
    /// retried caller by caller, so one caller's bad jobs fail only that caller.
    pub fn insert(&self, jobs: Vec<GraphJob>) -> Result<Vec<String>> {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.waiting.push(Request { ticket, jobs });
        self.arrived.notify_one();
        loop {
            if let Some(result) = state.finished.remove(&ticket) {
                return result;
            }
            if state.leading {
                state = self
                    .done
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.leading = true;
            state = self.gather(state);
            let batch = std::mem::take(&mut state.waiting);
            let gathered = batch.len();
            drop(state);
            let started = Instant::now();
            let tickets: Vec<u64> = batch.iter().map(|r| r.ticket).collect();
            // A panicking store must not leave the followers waiting for ever.
            let results = catch_unwind(AssertUnwindSafe(|| self.insert_batch(batch)))
                .unwrap_or_else(|_| {
                    let failed = || Err(Error::storage("the insert panicked"));
                    tickets.into_iter().map(|t| (t, failed())).collect()
                });
            state = self.lock();
            state.finished.extend(results);
            state.last_batch = gathered;
            state.last_commit = started.elapsed();
            state.leading = false;
            self.done.notify_all();
        }
    }

    /// Lets the callers of a shared round come back before a new one starts: a
    /// lone producer (last batch of one) never waits.
    fn gather<'a>(&self, mut state: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        if state.last_batch < 2 {
            return state;
        }
        let deadline = Instant::now() + state.last_commit.min(MAX_GATHER);
        while state.waiting.len() < state.last_batch {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            state = self
                .arrived
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state
    }

    /// One transaction for the whole batch; if it fails, one per request.
    fn insert_batch(&self, batch: Vec<Request>) -> Vec<(u64, Result<Vec<String>>)> {
        if let [only] = batch.as_slice() {
            return vec![(only.ticket, self.store.job_insert(&only.jobs))];
        }
        let mut spans = Vec::with_capacity(batch.len());
        let mut all = Vec::with_capacity(batch.iter().map(|r| r.jobs.len()).sum());
        for request in batch {
            spans.push((request.ticket, request.jobs.len()));
            let offset = all.len();
            all.extend(
                request
                    .jobs
                    .into_iter()
                    .map(|node| shift(node, |i| i + offset)),
            );
        }
        match self.store.job_insert(&all) {
            Ok(ids) => {
                let mut ids = ids.into_iter();
                spans
                    .into_iter()
                    .map(|(ticket, n)| (ticket, Ok(ids.by_ref().take(n).collect())))
                    .collect()
            }
            Err(_) => {
                let mut jobs = all.into_iter();
                let mut offset = 0;
                spans
                    .into_iter()
                    .map(|(ticket, n)| {
                        let own: Vec<GraphJob> = jobs
                            .by_ref()
                            .take(n)
                            .map(|node| shift(node, |i| i - offset))
                            .collect();
                        offset += n;
                        (ticket, self.store.job_insert(&own))
                    })
                    .collect()
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `node` with its references to entries of its own batch moved by `to`: when
/// its request joins a shared batch at some offset (and back when it is retried
/// alone).
fn shift(mut node: GraphJob, to: impl Fn(usize) -> usize) -> GraphJob {
    for dep in &mut node.depends_on {
        if let DepRef::Batch(i) = dep {
            *i = to(*i);
        }
    }
    node
}
