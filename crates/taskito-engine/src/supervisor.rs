//! A worker's life after `Worker::start`: start its threads, wait for the stop
//! request, drain within the grace period, give back the rest, stop.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use taskito_core::{Clock, Error, Job, Store, WorkerInfo};

use crate::heartbeat::Beat;
use crate::limits::Gate;
use crate::periodic::{self, Follow};
use crate::pool;
use crate::results::{AttemptInfo, Finished};
use crate::worker::Shared;
use crate::{heartbeat, results, scheduler, watchdog, watcher, Executor, Phase, WorkerConfig};

struct Threads {
    scheduler: JoinHandle<()>,
    handler: JoinHandle<()>,
    heartbeat: JoinHandle<()>,
    watchdog: JoinHandle<()>,
    watcher: JoinHandle<()>,
    /// The periodic ticker, when the worker has periodic tasks.
    ticker: Option<JoinHandle<()>>,
    /// Dropped to stop the heartbeat (last, it keeps leases alive while draining).
    stop_heartbeat: Sender<()>,
    /// Dropped to stop the watchdog and the watcher (before the last outcomes
    /// are written).
    stop_watchdog: Sender<()>,
    results: Sender<Finished>,
    jobs: Receiver<Job>,
}

pub(crate) fn supervise(
    store: &Arc<dyn Store>,
    executor: &Arc<dyn Executor>,
    clock: &Arc<dyn Clock>,
    config: &WorkerConfig,
    shared: &Arc<Shared>,
    info: WorkerInfo,
    follows: Vec<Follow>,
) {
    match spawn_threads(store, executor, clock, config, shared, info, follows) {
        Ok(threads) => drain_and_stop(config, shared, executor.as_ref(), threads),
        Err(e) => shared.fail(&Error::Storage(
            format!("could not start worker threads: {e}"),
            Some(Box::new(e)),
        )),
    }
    let _ = store.worker_unregister(&config.worker_id);
    shared.shutdown.mark_stopped();
}

fn spawn_threads(
    store: &Arc<dyn Store>,
    executor: &Arc<dyn Executor>,
    clock: &Arc<dyn Clock>,
    config: &WorkerConfig,
    shared: &Arc<Shared>,
    info: WorkerInfo,
    follows: Vec<Follow>,
) -> std::io::Result<Threads> {
    let (jobs_tx, jobs_rx) = bounded::<Job>(config.capacity());
    let (results_tx, results_rx) = unbounded::<Finished>();
    let (stop_heartbeat, heartbeat_rx) = bounded::<()>(0);
    let (stop_watchdog, watchdog_rx) = bounded::<()>(0);
    let watchdog_stop = watchdog_rx.clone();
    // Worker threads are detached: one stuck in a task must not block the stop.
    let gate = Gate::new(store, clock, &config.limits);
    pool::spawn(
        config.threads,
        &jobs_rx,
        &results_tx,
        executor,
        shared,
        gate.as_ref(),
    )?;
    let handler = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let max = config.max_commit_batch;
        let give_up = Duration::from_millis(config.give_up_after_ms);
        std::thread::Builder::new()
            .name("taskito-results".into())
            .spawn(move || {
                let (store, clock) = (store.as_ref(), clock.as_ref());
                results::run(&results_rx, store, clock, &shared, max, give_up);
            })?
    };
    let heartbeat = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let beat = Beat {
            info,
            lease_ms: config.lease_ms,
            max_crashes: config.max_crashes,
            every: Duration::from_millis(config.heartbeat_ms),
            give_up_after: Duration::from_millis(config.give_up_after_ms),
            retention_ms: config.observability_retention_ms,
        };
        std::thread::Builder::new()
            .name("taskito-heartbeat".into())
            .spawn(move || {
                heartbeat::run(&heartbeat_rx, store.as_ref(), clock.as_ref(), &shared, beat);
            })?
    };
    let watchdog = {
        let (executor, shared) = (Arc::clone(executor), Arc::clone(shared));
        let results = results_tx.clone();
        std::thread::Builder::new()
            .name("taskito-watchdog".into())
            .spawn(move || watchdog::run(&watchdog_rx, &results, executor.as_ref(), &shared))?
    };
    let watcher = {
        let (store, shared) = (Arc::clone(store), Arc::clone(shared));
        let every = Duration::from_micros(config.marker_poll_us.max(50));
        std::thread::Builder::new()
            .name("taskito-watcher".into())
            .spawn(move || watcher::run(&watchdog_stop, store.as_ref(), &shared, every))?
    };
    let ticker = if follows.is_empty() {
        None
    } else {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let give_up = Duration::from_millis(config.give_up_after_ms);
        Some(
            std::thread::Builder::new()
                .name("taskito-periodic".into())
                .spawn(move || {
                    periodic::run(store.as_ref(), clock.as_ref(), &shared, follows, give_up);
                })?,
        )
    };
    let scheduler = {
        let (store, clock, shared) = (Arc::clone(store), Arc::clone(clock), Arc::clone(shared));
        let config = config.clone();
        std::thread::Builder::new()
            .name("taskito-scheduler".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .build();
                match runtime {
                    Ok(rt) => rt.block_on(scheduler::run(
                        store.as_ref(),
                        clock.as_ref(),
                        &shared,
                        &config,
                        jobs_tx,
                    )),
                    Err(e) => shared.fail(&Error::Storage(
                        format!("could not start the scheduler: {e}"),
                        Some(Box::new(e)),
                    )),
                }
            })?
    };
    Ok(Threads {
        scheduler,
        handler,
        heartbeat,
        watchdog,
        watcher,
        ticker,
        stop_heartbeat,
        stop_watchdog,
        results: results_tx,
        jobs: jobs_rx,
    })
}

/// Graceful stop: wait for the stop request, let running jobs finish within the
/// grace period, give back whatever did not start or did not finish (no retry
/// spent), write the last outcomes, then stop the heartbeat. An attempt still
/// running when the grace ends is given back and asked to stop (`interrupt`): its
/// job may already run elsewhere, and a thread left running it could outlive the
/// program's end (a Python worker in a daemon thread stops this way at exit).
fn drain_and_stop(config: &WorkerConfig, shared: &Shared, executor: &dyn Executor, t: Threads) {
    while shared
        .shutdown
        .wait_change(Phase::Running, Duration::from_secs(3600))
        == Phase::Running
    {}
    shared.wake.notify();
    let _ = t.scheduler.join();
    if let Some(ticker) = t.ticker {
        let _ = ticker.join();
    }
    let deadline = Instant::now() + Duration::from_millis(config.grace_ms);
    let idle = shared.wait_idle(deadline);
    drop(t.stop_watchdog);
    let _ = t.watchdog.join();
    let _ = t.watcher.join();
    if !idle {
        while let Ok(job) = t.jobs.try_recv() {
            let _ = t.results.send(Finished::Released(AttemptInfo::of(&job)));
        }
        for info in shared.running.unfinished() {
            let job_id = info.job_id.clone();
            // Released first: the interrupted attempt's own outcome then comes
            // after it and is fenced off (no retry spent).
            let _ = t.results.send(Finished::Released(info));
            executor.interrupt(&job_id);
        }
    }
    let _ = t.results.send(Finished::Stop);
    let _ = t.handler.join();
    drop(t.stop_heartbeat);
    let _ = t.heartbeat.join();
}
