//! [`ServerClock`]: the database server's clock, read locally.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::Client;
use taskito_core::{Clock, SystemClock};

/// The server's time in Unix ms.
const SERVER_MS: &str = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8";
/// A sample whose round trip took longer says too little about the offset.
const MAX_SAMPLE_RTT: Duration = Duration::from_millis(100);

/// The PostgreSQL server's clock as seen from this process: the local clock
/// plus an offset that the store's listener measures at connect and every few
/// seconds after (half a round trip of error at most).
///
/// The [`taskito_core::Store`] trait takes `now` from its caller. Workers on
/// several hosts that each pass their own clock lease and rescue jobs by
/// clocks that disagree (a host 30 s ahead rescues jobs whose leases have 30 s
/// left). Give every worker and producer of a cluster this clock instead and
/// they all use the server's: one clock, whatever the hosts' own.
#[derive(Debug, Clone)]
pub struct ServerClock {
    offset_ms: Arc<AtomicI64>,
}

impl ServerClock {
    pub(crate) fn new(offset_ms: Arc<AtomicI64>) -> Self {
        Self { offset_ms }
    }

    /// Server time minus local time, in ms, as last measured.
    #[must_use]
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

impl Clock for ServerClock {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms().saturating_add(self.offset_ms())
    }
}

/// Measures the server's clock against the local one and stores the offset
/// (unless the round trip was too slow to tell).
pub(crate) fn sync(client: &mut Client, offset_ms: &AtomicI64) -> Result<(), postgres::Error> {
    let sent = Instant::now();
    let local = SystemClock.now_ms();
    let server: i64 = client.query_one(SERVER_MS, &[])?.try_get(0)?;
    let rtt = sent.elapsed();
    if rtt <= MAX_SAMPLE_RTT {
        let half = i64::try_from(rtt.as_millis() / 2).unwrap_or(0);
        offset_ms.store(server - (local + half), Ordering::Relaxed);
    }
    Ok(())
}
