use taskito_core::Job;

/// What running one attempt of a job produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecResult {
    /// Finished; the serialized return value.
    Success(Option<Vec<u8>>),
    /// Failed; retried while the job's retry budget lasts.
    Retry(String),
    /// Failed in a way retrying cannot fix; dead-lettered at once.
    Fail(String),
    /// The task noticed it was cancelled and stopped.
    Cancelled(String),
}

/// Runs jobs. Called from the worker threads, possibly from several at once.
pub trait Executor: Send + Sync + 'static {
    /// Runs one attempt. The job is handed over whole (its payload is not copied).
    fn execute(&self, job: Job) -> ExecResult;

    /// Asks the attempt of `job_id` now in `execute` to stop: it ran past its hard
    /// timeout and its outcome was already written. Called from another thread;
    /// best effort (the default does nothing and the thread stays busy until the
    /// task returns).
    fn interrupt(&self, job_id: &str) {
        let _ = job_id;
    }

    /// Runs `body`, the whole life of one worker thread (every `execute` of that
    /// thread happens inside it). The Python executor attaches the thread to the
    /// interpreter here, once: each `execute` then reuses the thread's state
    /// instead of creating and freeing one per job, and `threading.local` values
    /// last across the thread's jobs. The default just runs `body`.
    fn enter(&self, body: &mut (dyn FnMut() + Send)) {
        body();
    }
}
