use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use taskito_core::Job;

use crate::limits::Gate;
use crate::results::{AttemptInfo, Finished};
use crate::worker::Shared;
use crate::{ExecResult, Executor};

/// Starts `threads` worker threads. Each takes claimed jobs from `jobs`, runs them
/// through the executor and reports to `results`. Once a shutdown is requested a
/// thread no longer starts jobs: it hands them back as released. With a `gate`,
/// jobs of tasks with a rate limit or circuit breaker pass it first.
pub(crate) fn spawn(
    threads: usize,
    jobs: &Receiver<Job>,
    results: &Sender<Finished>,
    executor: &Arc<dyn Executor>,
    shared: &Arc<Shared>,
    gate: Option<&Arc<Gate>>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..threads)
        .map(|n| {
            let (jobs, results) = (jobs.clone(), results.clone());
            let (executor, shared) = (Arc::clone(executor), Arc::clone(shared));
            let gate = gate.map(Arc::clone);
            std::thread::Builder::new()
                .name(format!("taskito-worker-{n}"))
                .spawn(move || {
                    let executor = executor.as_ref();
                    executor.enter(&mut || {
                        work(&jobs, &results, executor, &shared, gate.as_deref());
                    });
                })
        })
        .collect()
}

fn work(
    jobs: &Receiver<Job>,
    results: &Sender<Finished>,
    executor: &dyn Executor,
    shared: &Shared,
    gate: Option<&Gate>,
) {
    while let Ok(job) = jobs.recv() {
        let info = AttemptInfo::of(&job);
        let message = if shared.shutdown.is_requested() {
            Finished::Released(info)
        } else {
            let limited = gate.and_then(|g| Some((g, *g.limits(&job.task_name)?)));
            let delay = limited.and_then(|(g, limits)| g.admit(&limits, &job));
            if let Some(run_at) = delay {
                Finished::Delayed(info, run_at)
            } else {
                // The one copy of the name per job: the metrics tally and the
                // breaker need it after the job has moved into the executor.
                let task = job.task_name.clone();
                let (result, timed_out) = run(executor, shared, &info, &task, job);
                if let Some((g, limits)) = limited {
                    let failed =
                        timed_out || matches!(result, ExecResult::Retry(_) | ExecResult::Fail(_));
                    g.record(&limits, &task, &info.job_id, failed);
                }
                if timed_out {
                    // The watchdog already failed this attempt for its timeout.
                    shared.job_done();
                    continue;
                }
                Finished::Ran(info, result)
            }
        };
        // The handler may be gone after a shutdown ran out of grace; the outcome
        // would be fenced off anyway, since the job was released.
        let _ = results.send(message);
        shared.job_done();
    }
}

/// Runs one attempt; also says whether the watchdog timed it out meanwhile.
fn run(
    executor: &dyn Executor,
    shared: &Shared,
    info: &AttemptInfo,
    task: &str,
    job: Job,
) -> (ExecResult, bool) {
    shared.running.start(info.clone(), job.timeout_ms);
    let started = Instant::now();
    // The job moves into the executor: its payload is not copied again.
    let result = catch_unwind(AssertUnwindSafe(|| executor.execute(job))).unwrap_or_else(|_| {
        ExecResult::Retry("the worker thread panicked while running the job".into())
    });
    // Metrics: an in-memory tally; the heartbeat writes it (no storage work here).
    let us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
    shared.record_run_us(u64::try_from(us).unwrap_or(0));
    shared
        .tallies
        .record(task, us, matches!(result, ExecResult::Success(_)));
    let timed_out = shared.running.finish(&info.job_id);
    (result, timed_out)
}
