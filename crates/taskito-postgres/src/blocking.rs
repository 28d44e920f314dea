//! Running the driver where it may block.
//!
//! The sync `postgres` client drives each connection on a small tokio
//! runtime of its own (`block_on` for every call, and for `Drop`). Tokio
//! panics when a runtime is entered from a thread that is already inside one,
//! and the engine calls the store from inside its scheduler's runtime
//! (blocking store calls are fine there: that runtime runs nothing else). So
//! whatever touches a connection runs, when the calling thread is inside a
//! runtime, on a short-lived helper thread instead, with the caller waiting
//! for it. Elsewhere (worker threads, producers) it runs in place.

use std::panic;
use std::thread;

/// Runs `f` where the driver may block on its own runtime.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    thread::scope(|s| {
        thread::Builder::new()
            .name("taskito-pg-call".to_owned())
            .spawn_scoped(s, f)
            .map_or_else(
                // No thread to be had: the caller's thread is the only one
                // left, and a panic there beats a hang.
                |e| panic!("could not start a thread for a PostgreSQL call: {e}"),
                |handle| handle.join().unwrap_or_else(|p| panic::resume_unwind(p)),
            )
    })
}

/// Drops `value` (connections) where the driver may block.
pub(crate) fn drop_off_runtime<T: Send + 'static>(value: T) {
    if tokio::runtime::Handle::try_current().is_err() {
        drop(value);
    } else {
        // Detached: closing connections needs no one to wait for it.
        let _ = thread::Builder::new()
            .name("taskito-pg-close".to_owned())
            .spawn(move || drop(value));
    }
}
