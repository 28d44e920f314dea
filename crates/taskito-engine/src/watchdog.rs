use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::results::Finished;
use crate::worker::Shared;
use crate::{ExecResult, Executor};

/// How often running attempts are checked against their hard timeout.
pub(crate) const TICK: Duration = Duration::from_millis(100);

/// Fails attempts that run past their hard timeout (retry rules apply; the late
/// finish is fenced off because the job is no longer running that attempt) and asks
/// the executor to interrupt them, so the thread can be used again.
pub(crate) fn run(
    stop: &Receiver<()>,
    results: &Sender<Finished>,
    executor: &dyn Executor,
    shared: &Shared,
) {
    loop {
        match stop.recv_timeout(TICK) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        for info in shared.running.take_overdue(Instant::now()) {
            let seconds = info.timeout_ms as f64 / 1000.0;
            let error = format!("timed out: the job ran longer than its {seconds} s timeout");
            let job_id = info.job_id.clone();
            if results
                .send(Finished::Ran(info, ExecResult::Retry(error)))
                .is_err()
            {
                return;
            }
            executor.interrupt(&job_id);
        }
    }
}
