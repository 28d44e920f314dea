//! The change marker: one connection per store that `LISTEN`s on the schema's
//! channel, on its own thread, and counts notifications.
//!
//! Each store's notifier sends `pg_notify` after commits that change jobs, so
//! the count moves after every such commit (several commits of a burst may
//! share one move) anywhere in the cluster. When the connection is
//! lost the thread reconnects with backoff and bumps the count once it listens
//! again (a notification sent meanwhile was missed, so waiters should look).
//! Until then the count just stands still and the engine's polling covers.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use fallible_iterator::FallibleIterator;
use postgres::Client;

use taskito_core::Error;

use crate::connection::TxError;
use crate::endpoint::Endpoint;
use crate::errors;
use crate::outage::Outage;
use crate::server_clock::{self, ServerClock};

/// How long the thread blocks on the socket before it looks at the stop flag.
const TICK: Duration = Duration::from_millis(100);
/// A quiet connection is pinged this often, so a peer that vanished without
/// closing the socket (a partition) is noticed.
/// The ping also measures the server's clock (see [`crate::ServerClock`]).
const PING_EVERY: Duration = Duration::from_secs(5);
const FIRST_PAUSE: Duration = Duration::from_millis(50);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Channel names are identifiers: 63 bytes at most.
const MAX_CHANNEL: usize = 63;

/// The channel of a schema: `taskito_jobs.<schema>`, shortened with a hash
/// of the schema when that would be too long. Only identifier characters and
/// dots, so it can be written quoted in `LISTEN`.
pub(crate) fn channel(schema: &str) -> String {
    let full = format!("taskito_jobs.{schema}");
    if full.len() <= MAX_CHANNEL {
        return full;
    }
    // FNV-1a: stable across processes and versions, unlike std's hasher.
    let hash = schema.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("taskito_jobs.{}.{hash:016x}", &schema[..32])
}

pub(crate) struct Listener {
    count: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    offset_ms: Arc<AtomicI64>,
}

impl Listener {
    /// Connects and starts listening before returning, so no commit after
    /// this returns can be missed.
    pub(crate) fn start(
        endpoint: Endpoint,
        channel: String,
        outage: Arc<Outage>,
    ) -> Result<Self, TxError> {
        let mut client = listen(&endpoint, &channel)?;
        let offset_ms = Arc::new(AtomicI64::new(0));
        server_clock::sync(&mut client, &offset_ms)?;
        let count = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = Watcher {
            endpoint,
            channel,
            outage,
            count: Arc::clone(&count),
            stop: Arc::clone(&stop),
            offset_ms: Arc::clone(&offset_ms),
        };
        thread::Builder::new()
            .name("taskito-pg-listener".to_owned())
            .spawn(move || watcher.run(client))
            .map_err(|e| {
                TxError::Fail(Error::Storage(
                    format!("could not start the PostgreSQL listener thread: {e}"),
                    Some(Box::new(e)),
                ))
            })?;
        Ok(Self {
            count,
            stop,
            offset_ms,
        })
    }

    pub(crate) fn marker(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    /// The server's clock, kept in step by this listener.
    pub(crate) fn server_clock(&self) -> ServerClock {
        ServerClock::new(Arc::clone(&self.offset_ms))
    }
}

impl Drop for Listener {
    /// The thread sees the flag within [`TICK`] and closes its connection.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

fn listen(endpoint: &Endpoint, channel: &str) -> Result<Client, postgres::Error> {
    let mut client = endpoint.connect()?;
    // `channel` holds only identifier characters and dots.
    client.batch_execute(&format!("LISTEN \"{channel}\""))?;
    Ok(client)
}

struct Watcher {
    endpoint: Endpoint,
    channel: String,
    outage: Arc<Outage>,
    count: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    offset_ms: Arc<AtomicI64>,
}

impl Watcher {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    fn run(self, mut client: Client) {
        loop {
            let lost = self.watch(&mut client);
            if self.stopped() {
                return;
            }
            self.outage.lost(&lost);
            match self.reconnect() {
                Some(fresh) => {
                    client = fresh;
                    self.bump();
                    self.outage.back();
                }
                None => return,
            }
        }
    }

    /// Counts notifications until the connection fails (the reason is
    /// returned) or the store is dropped; pings the server (and measures its
    /// clock) every [`PING_EVERY`], so a peer that vanished without closing
    /// the socket is noticed too.
    fn watch(&self, client: &mut Client) -> String {
        let mut pinged = Instant::now();
        loop {
            if let Err(reason) = self.count_for_a_tick(client) {
                return reason;
            }
            if self.stopped() {
                return "stopped".to_owned();
            }
            if client.is_closed() {
                return "connection closed".to_owned();
            }
            if pinged.elapsed() >= PING_EVERY {
                if let Err(e) = server_clock::sync(client, &self.offset_ms) {
                    return errors::describe(&e);
                }
                pinged = Instant::now();
            }
        }
    }

    /// Counts the notifications that arrive within one [`TICK`].
    fn count_for_a_tick(&self, client: &mut Client) -> Result<(), String> {
        let mut notifications = client.notifications();
        let mut iter = notifications.timeout_iter(TICK);
        loop {
            match iter.next() {
                Ok(Some(_)) => self.bump(),
                Ok(None) => return Ok(()),
                Err(e) => return Err(errors::describe(&e)),
            }
        }
    }

    /// A listening connection again, or `None` once the store is dropped.
    fn reconnect(&self) -> Option<Client> {
        let mut pause = FIRST_PAUSE;
        loop {
            if self.stopped() {
                return None;
            }
            if let Ok(mut client) = listen(&self.endpoint, &self.channel) {
                if server_clock::sync(&mut client, &self.offset_ms).is_ok() {
                    return Some(client);
                }
            }
            let until = Instant::now() + pause.mul_f64(0.5 + fastrand::f64() / 2.0);
            while Instant::now() < until {
                if self.stopped() {
                    return None;
                }
                thread::sleep(TICK.min(until - Instant::now()));
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}
