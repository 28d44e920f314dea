use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError};
use taskito_core::{Clock, Store, WorkerInfo};

use crate::worker::Shared;

/// Once a beat until `stop` is dropped: refresh this worker's row and its jobs'
/// leases (so a long task never loses its lease), and put back jobs whose lease
/// ran out, whichever worker held them.
pub(crate) fn run(
    stop: &Receiver<()>,
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Arc<Shared>,
    mut info: WorkerInfo,
    lease_ms: i64,
    every: Duration,
) {
    let mut warned = false;
    loop {
        match stop.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = clock.now_ms();
        info.last_heartbeat = now;
        let beat = store
            .worker_heartbeat(&info, now + lease_ms)
            .and_then(|()| store.job_rescue_expired(now));
        match beat {
            Ok(rescued) => {
                warned = false;
                if rescued > 0 {
                    shared.wake.notify();
                }
            }
            Err(e) if !warned => {
                eprintln!("[taskito] heartbeat failed, retrying: {e}");
                warned = true;
            }
            Err(_) => {}
        }
    }
}
