use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};
use taskito_core::Store;

use crate::worker::Shared;

/// Notices commits made by other processes (work enqueued elsewhere) and wakes
/// the scheduler, so a job enqueued by another process starts within about
/// `every` instead of the fallback poll. One cheap store call per tick.
pub(crate) fn run(stop: &Receiver<()>, store: &dyn Store, shared: &Shared, every: Duration) {
    let mut marker = store.change_marker().ok();
    loop {
        match stop.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = store.change_marker().ok();
        if now != marker {
            marker = now;
            shared.wake.notify();
        }
    }
}
