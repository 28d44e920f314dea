//! Telling the other stores that jobs changed: `pg_notify` on the schema's
//! channel, sent by one thread per store right after the commits that ask
//! for it, many commits per notification.
//!
//! Why not inside each write transaction, as a first version did: a
//! transaction that notifies holds PostgreSQL's cluster-wide notify lock from
//! the start of its commit through its WAL flush (committing backends were
//! seen queueing on it), and every notification wakes every listening backend
//! and store. Measured on the 2-core test machine against the same code
//! without any NOTIFY, single-job inserts ran at about 45 % of that speed (4
//! producers: about 55-60 %). Sent after the commit, at most once per
//! [`MIN_GAP`] per store, from a transaction that does not wait for its WAL
//! flush (`synchronous_commit` off: a notification is not data): about 95 %
//! (4 producers: 85-90 %; 4 stores claiming and completing: about 85 %).
//! Listeners still hear of a commit only once it is visible; the first commit
//! after a quiet spell is announced at once (one round trip later), the
//! others of a burst within [`MIN_GAP`]. What is lost: a process that dies
//! between its commit and the notification wakes no one; the engine's polling
//! covers that.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::pool::Pool;

/// Shortest time between two notifications of one store: a burst of commits
/// costs one notification per this interval. It bounds the wake-up delay of a
/// sequence of round trips too: at 5 ms the cross-process round trip p50 was
/// 5.2 ms, at 1 ms 2.3 ms, with no loss of throughput
/// (`python benchmarks/throughput.py --db-url ...`).
pub(crate) const MIN_GAP: Duration = Duration::from_millis(1);

pub(crate) struct Notifier {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    poked: Condvar,
}

#[derive(Default)]
struct State {
    /// A commit asked for a notification that was not sent yet.
    dirty: bool,
    stop: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Notifier {
    pub(crate) fn start(pool: Arc<Pool>, channel: &str) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            poked: Condvar::new(),
        });
        // The channel holds only identifier characters and dots (see
        // `listener::channel`), so it can be written as a literal.
        let sql = format!(
            "BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_notify('{channel}', ''); COMMIT"
        );
        let thread_shared = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("taskito-pg-notify".to_owned())
            .spawn(move || run(&thread_shared, &pool, &sql))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// A commit changed jobs: notify soon.
    pub(crate) fn poke(&self) {
        let mut state = self.shared.lock();
        if !state.dirty {
            state.dirty = true;
            self.shared.poked.notify_one();
        }
    }
}

impl Drop for Notifier {
    /// Sends what is still due, then stops the thread.
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.poked.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(shared: &Shared, pool: &Pool, sql: &str) {
    loop {
        {
            let mut state = shared.lock();
            while !state.dirty && !state.stop {
                state = shared
                    .poked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if !state.dirty {
                return;
            }
            state.dirty = false;
        }
        // One try: if the server is away, so are the waiters' connections;
        // the listener bumps the marker when it is back.
        pool.once(|conn| conn.client().batch_execute(sql));
        if shared.lock().stop {
            continue;
        }
        thread::sleep(MIN_GAP);
    }
}
