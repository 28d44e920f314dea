//! The end of the interpreter, as our threads see it.
//!
//! A worker often runs in a daemon thread (`threading.Thread(target=queue.run_worker,
//! daemon=True)`), so the program may end while its threads are out of Python
//! waiting for a job or a database call. Once `Py_Finalize` has begun, a thread that
//! takes the GIL back is either killed by CPython with `pthread_exit` (whose forced
//! unwind through Rust frames aborts the process: "FATAL: exception not rethrown") or
//! finds the interpreter gone (pyo3 panics). So:
//!
//! - an `atexit` hook, registered when the first worker of the process starts, asks
//!   every worker of the process for a graceful stop and waits for it (unstarted jobs
//!   go back to `pending` at once, running ones get the worker's grace period, like a
//!   SIGTERM), then marks the interpreter as finalizing;
//! - every place this crate gives up the GIL goes through [`detach`], which counts the
//!   threads that will take it back; the hook waits for them, and a thread that
//!   comes back after the mark parks for good instead of touching the interpreter
//!   (the process is about to exit; its job, if any, is rescued like a crash's);
//! - threads of ours still running Python when the mark is set (an interrupted job
//!   finishing its attempt) are waited for longer (`ATTACHED_WAIT`): the interpreter
//!   ending under one of them would kill it with `pthread_exit`, whose unwinding
//!   through our frames aborts the process.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyCFunction;
use taskito_engine::WorkerHandle;

/// Set when the exit hook begins: workers then stop without a word.
static EXITING: AtomicBool = AtomicBool::new(false);
static FINALIZING: AtomicBool = AtomicBool::new(false);
/// Threads of this crate now out of Python that will take the GIL back.
static OUTSIDE: AtomicUsize = AtomicUsize::new(0);
/// Threads of ours (worker threads, the supervisor's interrupt) now running Python
/// with Rust frames beneath: if the interpreter ends under one of them, its next
/// take of the GIL kills it with `pthread_exit`, whose unwinding through those frames
/// aborts the process. The exit hook waits longer for these.
static ATTACHED: AtomicUsize = AtomicUsize::new(0);
static LIVE: Mutex<Vec<LiveWorker>> = Mutex::new(Vec::new());
static HOOKED: AtomicBool = AtomicBool::new(false);

/// How long the hook waits for threads already on their way back into Python.
const RETURN_WAIT: Duration = Duration::from_secs(2);
/// How long it waits for threads of ours still running Python (an interrupted job
/// finishing its attempt on a loaded machine).
const ATTACHED_WAIT: Duration = Duration::from_secs(15);

struct LiveWorker {
    handle: Weak<WorkerHandle>,
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
    /// Whether this thread is now counted in `ATTACHED`.
    static IN_PYTHON: Cell<bool> = const { Cell::new(false) };
}

/// Counts this thread in `ATTACHED` (if it was not); returns whether it was.
fn enter_python() -> bool {
    let was = IN_PYTHON.with(|c| c.replace(true));
    if !was {
        ATTACHED.fetch_add(1, Ordering::SeqCst);
    }
    was
}

/// Leaves `ATTACHED` unless `keep` (the thread was counted before); returns whether
/// it was counted.
fn leave_python(keep: bool) -> bool {
    let was = IN_PYTHON.with(Cell::get);
    if was && !keep {
        IN_PYTHON.with(|c| c.set(false));
        ATTACHED.fetch_sub(1, Ordering::SeqCst);
    }
    was
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
    leave_python(false);
    loop {
        std::thread::park();
    }
}

/// `Python::attach(f)` for a thread of ours (a worker thread, the watchdog): None,
/// without touching the interpreter, once it is ending.
pub(crate) fn attach<T>(f: impl FnOnce(Python<'_>) -> T) -> Option<T> {
    // Counted in ATTACHED before the FINALIZING check in `count_in`, so the hook either
    // sees this thread in Python or this thread sees the mark.
    let was = enter_python();
    if !count_in() {
        leave_python(was);
        return None;
    }
    let value = Python::attach(f);
    leave_python(was);
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
    let was = leave_python(false);
    let value = py.detach(|| {
        let value = f();
        if was {
            enter_python();
        }
        if finalizing() {
            park_forever();
        }
        value
    });
    count_out();
    value
}

/// Records a started worker so the exit hook can stop it; registers the hook once.
pub(crate) fn track(py: Python<'_>, handle: &Arc<WorkerHandle>, grace: Duration) -> PyResult<()> {
    {
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|w| w.handle.strong_count() > 0);
        live.push(LiveWorker {
            handle: Arc::downgrade(handle),
            grace,
        });
    }
    if !HOOKED.swap(true, Ordering::AcqRel) {
        let hook = PyCFunction::new_closure(py, None, None, |args, _kwargs| {
            stop_at_exit(args.py());
        })?;
        py.import("atexit")?.call_method1("register", (hook,))?;
    }
    Ok(())
}

/// The `atexit` hook: stop every worker of this process, then mark the end.
fn stop_at_exit(py: Python<'_>) {
    EXITING.store(true, Ordering::Release);
    let workers: Vec<(Arc<WorkerHandle>, Duration)> = LIVE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .drain(..)
        .filter_map(|w| Some((w.handle.upgrade()?, w.grace)))
        .collect();
    // Not through `detach`: this thread is the one that finalizes.
    py.detach(|| {
        for (handle, _) in &workers {
            handle.request_shutdown();
        }
        for (handle, grace) in &workers {
            // The engine gives running jobs `grace`, then releases them; a little
            // more for the last outcomes to be written.
            let _ = handle.wait(*grace + Duration::from_secs(2));
        }
        FINALIZING.store(true, Ordering::SeqCst);
        // Threads waiting outside Python park when they come back, so they are
        // waited for only briefly; ours still running Python are waited for longer.
        let start = Instant::now();
        loop {
            let elapsed = start.elapsed();
            let returning = OUTSIDE.load(Ordering::SeqCst) > 0 && elapsed < RETURN_WAIT;
            let running = ATTACHED.load(Ordering::SeqCst) > 0 && elapsed < ATTACHED_WAIT;
            if !returning && !running {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}
