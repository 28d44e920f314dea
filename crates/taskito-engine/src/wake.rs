use tokio::sync::Notify;

/// Wakes the scheduler of this process at once: on enqueue from this process and
/// whenever a worker thread frees up. Cheap to call when nobody is waiting.
#[derive(Debug, Default)]
pub struct Wake {
    notify: Notify,
}

impl Wake {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Wakes the waiting scheduler, or the next one to wait.
    pub fn notify(&self) {
        self.notify.notify_one();
    }

    /// Resolves at the next [`Wake::notify`] (or at once if one is stored).
    pub async fn notified(&self) {
        self.notify.notified().await;
    }
}
