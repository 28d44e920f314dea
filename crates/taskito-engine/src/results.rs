use std::time::Duration;

use crossbeam_channel::Receiver;
use taskito_core::{Clock, Job, Outcome, RetryPolicy, Store};

use crate::trouble::Trouble;

use crate::worker::Shared;
use crate::ExecResult;

/// What the result handler needs to know of an attempt to decide its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptInfo {
    pub job_id: String,
    pub attempt: i32,
    pub retry_count: i32,
    pub max_retries: i32,
    pub backoff_ms: i64,
    pub timeout_ms: i64,
}

impl AttemptInfo {
    #[must_use]
    pub fn of(job: &Job) -> Self {
        Self {
            job_id: job.id.clone(),
            attempt: job.attempt,
            retry_count: job.retry_count,
            max_retries: job.max_retries,
            backoff_ms: job.backoff_ms,
            timeout_ms: job.timeout_ms,
        }
    }
}

/// Messages to the result handler.
#[derive(Debug)]
pub(crate) enum Finished {
    Ran(AttemptInfo, ExecResult),
    /// Not run (shutdown): give the job back without spending anything.
    Released(AttemptInfo),
    /// Not started (rate limit, open circuit breaker): pending again at this time.
    Delayed(AttemptInfo, i64),
    /// Write what is queued, then stop.
    Stop,
}

/// The stored outcome of an attempt: success completes, a retryable failure is
/// retried after exponential backoff while retries remain, anything else is
/// dead-lettered. `unit` is a random number in `[0, 1)` for the backoff jitter.
#[must_use]
pub fn decide_outcome(info: &AttemptInfo, result: ExecResult, now: i64, unit: f64) -> Outcome {
    let (job_id, attempt) = (info.job_id.clone(), info.attempt);
    match result {
        ExecResult::Success(result) => Outcome::Complete {
            job_id,
            attempt,
            result,
        },
        ExecResult::Retry(error) if info.retry_count < info.max_retries => {
            let delay = RetryPolicy::new(info.backoff_ms).delay_ms(info.retry_count + 1, unit);
            Outcome::Retry {
                job_id,
                attempt,
                error,
                run_at: now + delay,
            }
        }
        ExecResult::Retry(error) | ExecResult::Fail(error) => Outcome::Dead {
            job_id,
            attempt,
            error,
        },
        ExecResult::Cancelled(error) => Outcome::Cancelled {
            job_id,
            attempt,
            error,
        },
    }
}

/// Writes outcomes as they arrive, many per transaction (whatever queued up while
/// the previous commit ran), until told to stop.
pub(crate) fn run(
    rx: &Receiver<Finished>,
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Shared,
    max_batch: usize,
    give_up_after: Duration,
) {
    let mut trouble = Trouble::new("recording job results", give_up_after);
    let mut batch: Vec<Outcome> = Vec::with_capacity(max_batch);
    let mut stop = false;
    while !stop {
        let Ok(first) = rx.recv() else { break };
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Finished::Stop => stop = true,
                Finished::Released(info) => batch.push(Outcome::Release {
                    job_id: info.job_id,
                    attempt: info.attempt,
                }),
                Finished::Delayed(info, run_at) => batch.push(Outcome::Delay {
                    job_id: info.job_id,
                    attempt: info.attempt,
                    run_at,
                }),
                Finished::Ran(info, result) => {
                    batch.push(decide_outcome(
                        &info,
                        result,
                        clock.now_ms(),
                        fastrand::f64(),
                    ));
                }
            }
            if !stop && batch.len() < max_batch {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            write(store, clock, shared, &batch, &mut trouble);
            batch.clear();
        }
    }
}

/// Commits a batch, retrying transient trouble; a database that cannot be
/// written any more (or for longer than the worker's budget) stops the worker with
/// that error rather than losing outcomes silently: their jobs stay leased and are
/// rescued once the lease runs out.
fn write(
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Shared,
    batch: &[Outcome],
    trouble: &mut Trouble,
) {
    let mut pause = Duration::from_millis(10);
    loop {
        match store.job_finish_many(batch, clock.now_ms()) {
            Ok(_) => {
                shared.committed.ring();
                return trouble.cleared();
            }
            Err(e) => {
                if trouble.failed(&e) || shared.shutdown.phase() == crate::Phase::Stopped {
                    shared.fail(&e);
                    return;
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{decide_outcome, AttemptInfo};
    use crate::ExecResult;
    use taskito_core::Outcome;

    fn info(retry_count: i32, max_retries: i32) -> AttemptInfo {
        AttemptInfo {
            job_id: "j".into(),
            attempt: 2,
            retry_count,
            max_retries,
            backoff_ms: 1_000,
            timeout_ms: 0,
        }
    }

    #[test]
    fn success_completes_with_the_result() {
        let out = decide_outcome(&info(0, 3), ExecResult::Success(Some(vec![1])), 0, 0.0);
        assert_eq!(
            out,
            Outcome::Complete {
                job_id: "j".into(),
                attempt: 2,
                result: Some(vec![1])
            }
        );
    }

    #[test]
    fn retry_backs_off_exponentially_from_now() {
        let first = decide_outcome(&info(0, 3), ExecResult::Retry("e".into()), 5_000, 0.0);
        let third = decide_outcome(&info(2, 3), ExecResult::Retry("e".into()), 5_000, 0.0);
        assert!(matches!(first, Outcome::Retry { run_at: 6_000, .. }));
        assert!(matches!(third, Outcome::Retry { run_at: 9_000, .. }));
    }

    #[test]
    fn cancellation_ends_cancelled() {
        assert!(matches!(
            decide_outcome(&info(0, 3), ExecResult::Cancelled("stop".into()), 0, 0.0),
            Outcome::Cancelled { .. }
        ));
    }

    #[test]
    fn exhausted_retries_and_fatal_failures_go_dead() {
        assert!(matches!(
            decide_outcome(&info(3, 3), ExecResult::Retry("e".into()), 0, 0.0),
            Outcome::Dead { .. }
        ));
        assert!(matches!(
            decide_outcome(&info(0, 3), ExecResult::Fail("e".into()), 0, 0.0),
            Outcome::Dead { .. }
        ));
    }
}
