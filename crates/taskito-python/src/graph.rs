//! A canvas enqueued whole (`NativeQueue.enqueue_graph`): the jobs as the
//! Python side prepared them, with ids chosen up front (`new_job_ids`) so a
//! step's payload can name the steps it receives results from.

use pyo3::prelude::*;
use taskito_core::{new_job_id, DepRef, GraphJob, NewJob};

/// One job of a graph, as a dict with these keys (the `enqueue` options).
#[derive(FromPyObject)]
pub(crate) struct GraphJobArg {
    #[pyo3(item)]
    id: String,
    #[pyo3(item)]
    task_name: String,
    #[pyo3(item)]
    payload: Vec<u8>,
    #[pyo3(item)]
    depends_on: Vec<String>,
    #[pyo3(item)]
    queue: String,
    #[pyo3(item)]
    priority: i32,
    #[pyo3(item)]
    delay_ms: i64,
    #[pyo3(item)]
    max_retries: i32,
    #[pyo3(item)]
    backoff_ms: i64,
    #[pyo3(item)]
    timeout_ms: i64,
    #[pyo3(item)]
    unique_key: Option<String>,
    #[pyo3(item)]
    metadata: Option<String>,
    #[pyo3(item)]
    expires_ms: Option<i64>,
    #[pyo3(item)]
    result_ttl_ms: Option<i64>,
}

/// The graph to insert: a dependency naming the id of an earlier job of the
/// batch refers to that job (whatever id ends up standing for it).
pub(crate) fn build(jobs: Vec<GraphJobArg>, now: i64) -> Vec<GraphJob> {
    let mut planned: Vec<String> = Vec::with_capacity(jobs.len());
    let mut graph = Vec::with_capacity(jobs.len());
    for arg in jobs {
        let depends_on = arg
            .depends_on
            .into_iter()
            .map(|dep| match planned.iter().position(|id| *id == dep) {
                Some(i) => DepRef::Batch(i),
                None => DepRef::Existing(dep),
            })
            .collect();
        planned.push(arg.id.clone());
        let job = NewJob {
            id: arg.id,
            queue: arg.queue,
            task_name: arg.task_name,
            payload: arg.payload,
            priority: arg.priority,
            created_at: now,
            scheduled_at: now + arg.delay_ms.max(0),
            max_retries: arg.max_retries.max(0),
            backoff_ms: arg.backoff_ms.max(0),
            timeout_ms: arg.timeout_ms,
            unique_key: arg.unique_key,
            metadata: arg.metadata,
            expires_at: arg.expires_ms.map(|ms| now + ms),
            result_ttl_ms: arg.result_ttl_ms,
        };
        graph.push(GraphJob { job, depends_on });
    }
    graph
}

/// `n` new job ids, time-ordered like those the store gives.
#[pyfunction]
pub(crate) fn new_job_ids(n: usize) -> Vec<String> {
    (0..n).map(|_| new_job_id()).collect()
}
