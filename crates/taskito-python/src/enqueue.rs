//! `NativeQueue`'s enqueue methods: single jobs, batches, jobs with dependencies
//! and whole graphs, each stored in one transaction and announced to the worker.

use pyo3::prelude::*;
use taskito_core::{new_job_id, NewJob};

use crate::errors::{raise, IntoPyResult};
use crate::lifecycle::detach;
use crate::queue::NativeQueue;

/// Options shared by `enqueue` and `enqueue_many`.
struct JobOptions<'a> {
    queue: &'a str,
    priority: i32,
    delay_ms: i64,
    max_retries: i32,
    backoff_ms: i64,
    timeout_ms: i64,
    metadata: Option<&'a str>,
    expires_ms: Option<i64>,
    result_ttl_ms: Option<i64>,
}

impl JobOptions<'_> {
    fn build(
        &self,
        task_name: &str,
        payload: Vec<u8>,
        unique_key: Option<String>,
        now: i64,
    ) -> NewJob {
        NewJob {
            id: new_job_id(),
            queue: self.queue.to_owned(),
            task_name: task_name.to_owned(),
            payload,
            priority: self.priority,
            created_at: now,
            scheduled_at: now + self.delay_ms.max(0),
            max_retries: self.max_retries.max(0),
            backoff_ms: self.backoff_ms.max(0),
            timeout_ms: self.timeout_ms,
            unique_key,
            metadata: self.metadata.map(str::to_owned),
            expires_at: self.expires_ms.map(|ms| now + ms),
            result_ttl_ms: self.result_ttl_ms,
        }
    }
}

#[pymethods]
impl NativeQueue {
    #[pyo3(signature = (task_name, payload, *, queue, priority, delay_ms, max_retries, backoff_ms,
        timeout_ms, unique_key = None, metadata = None, expires_ms = None, result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue(
        &self,
        py: Python<'_>,
        task_name: &str,
        payload: Vec<u8>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_key: Option<String>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<String> {
        let mut ids = self.enqueue_many(
            py,
            task_name,
            vec![payload],
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            Some(vec![unique_key]),
            metadata,
            expires_ms,
            result_ttl_ms,
        )?;
        Ok(ids.pop().unwrap_or_default())
    }

    #[pyo3(signature = (task_name, payloads, *, queue, priority, delay_ms, max_retries, backoff_ms,
        timeout_ms, unique_keys = None, metadata = None, expires_ms = None, result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue_many(
        &self,
        py: Python<'_>,
        task_name: &str,
        payloads: Vec<Vec<u8>>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_keys: Option<Vec<Option<String>>>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<Vec<String>> {
        if let Some(keys) = &unique_keys {
            if keys.len() != payloads.len() {
                return Err(raise(
                    "QueueError",
                    format!(
                        "unique_keys has {} entries but there are {} jobs",
                        keys.len(),
                        payloads.len()
                    ),
                ));
            }
        }
        let options = JobOptions {
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            metadata,
            expires_ms,
            result_ttl_ms,
        };
        let now = self.now_ms();
        let mut keys = unique_keys.unwrap_or_default().into_iter();
        let jobs: Vec<NewJob> = payloads
            .into_iter()
            .map(|p| options.build(task_name, p, keys.next().flatten(), now))
            .collect();
        let ids = detach(py, || self.inserts.insert(jobs)).py()?;
        self.wake.notify();
        Ok(ids)
    }

    /// Like `enqueue`, for a job that waits until every job of `depends_on`
    /// completes (cancelled if one of them cannot).
    #[pyo3(signature = (task_name, payload, depends_on, *, queue, priority, delay_ms, max_retries,
        backoff_ms, timeout_ms, unique_key = None, metadata = None, expires_ms = None,
        result_ttl_ms = None))]
    #[allow(clippy::too_many_arguments)]
    fn enqueue_after(
        &self,
        py: Python<'_>,
        task_name: &str,
        payload: Vec<u8>,
        depends_on: Vec<String>,
        queue: &str,
        priority: i32,
        delay_ms: i64,
        max_retries: i32,
        backoff_ms: i64,
        timeout_ms: i64,
        unique_key: Option<String>,
        metadata: Option<&str>,
        expires_ms: Option<i64>,
        result_ttl_ms: Option<i64>,
    ) -> PyResult<String> {
        let options = JobOptions {
            queue,
            priority,
            delay_ms,
            max_retries,
            backoff_ms,
            timeout_ms,
            metadata,
            expires_ms,
            result_ttl_ms,
        };
        let job = options.build(task_name, payload, unique_key, self.now_ms());
        let id = detach(py, || self.store.job_insert_dependent(&job, &depends_on)).py()?;
        self.wake.notify();
        Ok(id)
    }

    /// Inserts every job of `jobs` (dicts with the `enqueue` options plus
    /// `id`, `task_name`, `payload` and `depends_on`) in one transaction; a
    /// dependency naming an earlier job's id refers to that job. Returns the
    /// id that stands for each job, in order.
    fn enqueue_graph(
        &self,
        py: Python<'_>,
        jobs: Vec<crate::graph::GraphJobArg>,
    ) -> PyResult<Vec<String>> {
        let graph = crate::graph::build(jobs, self.now_ms());
        let ids = detach(py, || self.store.job_insert_graph(&graph)).py()?;
        self.wake.notify();
        Ok(ids)
    }
}
