use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use taskito_core::Job;

use crate::results::{AttemptInfo, Finished};
use crate::worker::Shared;
use crate::{ExecResult, Executor};

/// Starts `threads` worker threads. Each takes claimed jobs from `jobs`, runs them
/// through the executor and reports to `results`. Once a shutdown is requested a
/// thread no longer starts jobs: it hands them back as released.
pub(crate) fn spawn(
    threads: usize,
    jobs: &Receiver<Job>,
    results: &Sender<Finished>,
    executor: &Arc<dyn Executor>,
    shared: &Arc<Shared>,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    (0..threads)
        .map(|n| {
            let (jobs, results) = (jobs.clone(), results.clone());
            let (executor, shared) = (Arc::clone(executor), Arc::clone(shared));
            std::thread::Builder::new()
                .name(format!("taskito-worker-{n}"))
                .spawn(move || work(&jobs, &results, executor.as_ref(), &shared))
        })
        .collect()
}

fn work(
    jobs: &Receiver<Job>,
    results: &Sender<Finished>,
    executor: &dyn Executor,
    shared: &Shared,
) {
    while let Ok(job) = jobs.recv() {
        let info = AttemptInfo::of(&job);
        let message = if shared.shutdown.is_requested() {
            Finished::Released(info)
        } else {
            shared.running.start(info.clone(), job.timeout_ms);
            let task = job.task_name.clone();
            let started = Instant::now();
            // The job moves into the executor: its payload is not copied again.
            let result =
                catch_unwind(AssertUnwindSafe(|| executor.execute(job))).unwrap_or_else(|_| {
                    ExecResult::Retry("the worker thread panicked while running the job".into())
                });
            let us = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
            let ok = matches!(result, ExecResult::Success(_));
            shared.tallies.record(&task, us, ok);
            if shared.running.finish(&info.job_id) {
                // The watchdog already failed this attempt for its timeout.
                shared.job_done();
                continue;
            }
            Finished::Ran(info, result)
        };
        // The handler may be gone after a shutdown ran out of grace; the outcome
        // would be fenced off anyway, since the job was released.
        let _ = results.send(message);
        shared.job_done();
    }
}
