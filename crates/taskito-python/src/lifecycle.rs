//! The end of the interpreter, as our threads see it.
//!
//! A worker often runs in a daemon thread (`threading.Thread(target=queue.run_worker,
//! daemon=True)`), so the program may end while its threads are out of Python
//! waiting for a job or a database call. Once `Py_Finalize` has begun, a thread that
//! takes the GIL back is either killed by CPython with `pthread_exit` (whose forced
//! unwind through Rust frames aborts the process: "FATAL: exception not rethrown") or
//! finds the interpreter gone (pyo3 panics). So:
//!
//! - an `atexit` hook asks every worker of the process for a graceful stop and waits
//!   for it (unstarted jobs go back to `pending` at once, running ones get the
//!   worker's grace period, like a SIGTERM), then marks the interpreter as finalizing;
//! - every place this crate gives up the GIL goes through [`detach`], which counts the
//!   threads that will take it back; the hook waits for them, and a thread that
//!   comes back after the mark parks for good instead of touching the interpreter
//!   (the process is about to exit; its job, if any, is rescued like a crash's).
//!
//! The hook is registered when `taskito._native` is imported, not when a worker
//! starts: a daemon thread inside `delay()` or `result()` at the program's end needs
//! the mark as much as a worker does. Workers are tracked before their threads start.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyCFunction;
use taskito_engine::Shutdown;

/// Set when the exit hook begins: workers then stop without a word.
static EXITING: AtomicBool = AtomicBool::new(false);
static FINALIZING: AtomicBool = AtomicBool::new(false);
/// Threads of this crate now out of Python that will take the GIL back.
static OUTSIDE: AtomicUsize = AtomicUsize::new(0);
static LIVE: Mutex<Vec<LiveWorker>> = Mutex::new(Vec::new());

/// How long past its grace the hook waits for a worker to stop.
const STOP_MARGIN: Duration = Duration::from_secs(10);
/// How long the hook waits for threads already on their way back into Python.
const RETURN_WAIT: Duration = Duration::from_secs(2);

/// A worker as the exit hook sees it: its stop signal, tracked before its threads
/// start, so a job already running when the program ends is always stopped first.
struct LiveWorker {
    shutdown: Weak<Shutdown>,
    grace: Duration,
}

/// True once the exit hook began stopping this process's workers.
pub(crate) fn exiting() -> bool {
    EXITING.load(Ordering::Acquire)
}

/// True once the interpreter is ending: no thread of ours may take the GIL.
pub(crate) fn finalizing() -> bool {
    FINALIZING.load(Ordering::SeqCst)
}

thread_local! {
    /// This thread's share of `OUTSIDE` (attaches and detaches may nest).
    static COUNTED: Cell<usize> = const { Cell::new(0) };
}

/// Counts this thread as one that will take the GIL (back); false, uncounted, when
/// the interpreter is already ending. The exit hook sets `FINALIZING` and then waits
/// for `OUTSIDE` to drain: with both sides sequentially consistent, a thread either
/// sees the mark here or is seen by the hook's wait.
fn count_in() -> bool {
    OUTSIDE.fetch_add(1, Ordering::SeqCst);
    COUNTED.with(|c| c.set(c.get() + 1));
    if finalizing() {
        count_out();
        return false;
    }
    true
}

fn count_out() {
    COUNTED.with(|c| c.set(c.get() - 1));
    OUTSIDE.fetch_sub(1, Ordering::SeqCst);
}

/// Never returns: for a thread that must not re-enter an ending interpreter. It
/// drops all its counts first, so the exit hook does not wait for it.
pub(crate) fn park_forever() -> ! {
    let counted = COUNTED.with(|c| c.replace(0));
    OUTSIDE.fetch_sub(counted, Ordering::SeqCst);
    loop {
        std::thread::park();
    }
}

/// `Python::attach(f)` for a thread of ours (a worker thread, the watchdog): None,
/// without touching the interpreter, once it is ending.
pub(crate) fn attach<T>(f: impl FnOnce(Python<'_>) -> T) -> Option<T> {
    if !count_in() {
        return None;
    }
    let value = Python::attach(f);
    count_out();
    Some(value)
}

/// `py.detach(f)`, counted, and safe at interpreter exit: if the interpreter began
/// to end while `f` ran, the thread parks instead of taking the GIL back.
pub(crate) fn detach<T, F>(py: Python<'_>, f: F) -> T
where
    F: Send + FnOnce() -> T,
    T: Send,
{
    // Holding the GIL, the interpreter cannot be past the exit hook yet: always counted.
    OUTSIDE.fetch_add(1, Ordering::SeqCst);
    COUNTED.with(|c| c.set(c.get() + 1));
    let value = py.detach(|| {
        let value = f();
        if finalizing() {
            park_forever();
        }
        value
    });
    count_out();
    value
}

/// Registers the exit hook (once, when `taskito._native` is imported).
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let hook = PyCFunction::new_closure(py, None, None, |args, _kwargs| {
        stop_at_exit(args.py());
    })?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}

/// Records a worker about to start (before its threads exist) so the exit hook can
/// stop it. See [`forget`] for a start that failed.
pub(crate) fn track(shutdown: &Arc<Shutdown>, grace: Duration) {
    let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    live.retain(|w| w.shutdown.strong_count() > 0);
    live.push(LiveWorker {
        shutdown: Arc::downgrade(shutdown),
        grace,
    });
}

/// Stops tracking a worker whose start failed (its stop signal never turns `Stopped`).
pub(crate) fn forget(shutdown: &Arc<Shutdown>) {
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|w| !std::ptr::eq(w.shutdown.as_ptr(), Arc::as_ptr(shutdown)));
}

/// The `atexit` hook: stop every worker of this process, then mark the end.
fn stop_at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::Release);
    let workers: Vec<(Arc<Shutdown>, Duration)> = LIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain(..)
        .filter_map(|w| Some((w.shutdown.upgrade()?, w.grace)))
        .collect();
    // Not through `detach`: this thread is the one that finalizes.
    py.detach(|| {
        for (shutdown, _) in &workers {
            shutdown.request();
        }
        for (shutdown, grace) in &workers {
            // The engine gives running jobs `grace`, then releases and interrupts
            // them; more for the last outcomes to be written on a loaded machine (the
            // wait ends as soon as the worker has stopped).
            let _ = shutdown.wait_stopped(*grace + STOP_MARGIN);
        }
        FINALIZING.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + RETURN_WAIT;
        while OUTSIDE.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}
