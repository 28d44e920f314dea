use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::results::AttemptInfo;

/// One attempt executing on a worker thread.
#[derive(Debug)]
struct Entry {
    info: AttemptInfo,
    deadline: Option<Instant>,
    /// The watchdog already failed this attempt; its late finish is not reported.
    timed_out: bool,
}

/// The attempts now executing on worker threads: what the hard-timeout watchdog
/// watches and what a shutdown that runs out of grace must release.
#[derive(Debug, Default)]
pub(crate) struct Running {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Running {
    /// An attempt starts; `timeout_ms <= 0` means no hard timeout.
    pub(crate) fn start(&self, info: AttemptInfo, timeout_ms: i64) {
        let deadline = u64::try_from(timeout_ms)
            .ok()
            .filter(|&ms| ms > 0)
            .map(|ms| Instant::now() + Duration::from_millis(ms));
        let key = info.job_id.clone();
        self.lock().insert(
            key,
            Entry {
                info,
                deadline,
                timed_out: false,
            },
        );
    }

    /// An attempt returned. True if the watchdog had already failed it.
    pub(crate) fn finish(&self, job_id: &str) -> bool {
        self.lock().remove(job_id).is_some_and(|e| e.timed_out)
    }

    /// Attempts past their deadline that were not reported yet; marks them.
    pub(crate) fn take_overdue(&self, now: Instant) -> Vec<AttemptInfo> {
        self.lock()
            .values_mut()
            .filter(|e| !e.timed_out && e.deadline.is_some_and(|d| d <= now))
            .map(|e| {
                e.timed_out = true;
                e.info.clone()
            })
            .collect()
    }

    /// Attempts still running whose outcome was not reported.
    pub(crate) fn unfinished(&self) -> Vec<AttemptInfo> {
        self.lock()
            .values()
            .filter(|e| !e.timed_out)
            .map(|e| e.info.clone())
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::Running;
    use crate::results::AttemptInfo;
    use std::time::{Duration, Instant};

    fn info(id: &str) -> AttemptInfo {
        AttemptInfo {
            job_id: id.into(),
            attempt: 1,
            retry_count: 0,
            max_retries: 3,
            backoff_ms: 1_000,
            timeout_ms: 0,
        }
    }

    #[test]
    fn overdue_attempts_are_reported_once_and_their_finish_is_swallowed() {
        let running = Running::default();
        running.start(info("a"), 1_000);
        running.start(info("b"), 0);
        assert!(running.take_overdue(Instant::now()).is_empty());
        let later = Instant::now() + Duration::from_secs(2);
        let overdue = running.take_overdue(later);
        assert_eq!(overdue.len(), 1);
        assert_eq!(overdue[0].job_id, "a");
        assert!(running.take_overdue(later).is_empty(), "reported once");
        assert_eq!(
            running.unfinished().len(),
            1,
            "only b still needs an outcome"
        );
        assert!(running.finish("a"));
        assert!(!running.finish("b"));
    }
}
