//! A job as a producer asks for it, and the one function that turns it into the
//! job a store inserts.
//!
//! Every way of enqueueing (a single `delay()`, a batch, a canvas, a periodic
//! tick) describes its jobs as [`JobSpec`]s, with times relative to the moment
//! of the insert and values as the caller gave them; [`plan`] (or
//! [`JobSpec::into_job`] for one) does all the clamping and time arithmetic, so a
//! new job field is added here once rather than in every enqueue path.

use std::collections::HashMap;

use crate::{new_job_id, DepRef, GraphJob, NewJob};

/// One job to enqueue. Times are milliseconds; `delay_ms`, `expires_ms` are
/// counted from the moment the job is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSpec {
    /// Chosen by the caller when other jobs of the same batch must name it
    /// (a canvas step); otherwise a new time-ordered id is given at insert.
    pub id: Option<String>,
    pub task_name: String,
    pub payload: Vec<u8>,
    pub queue: String,
    /// Higher runs first.
    pub priority: i32,
    /// Not claimed before this long after the insert (negative: now).
    pub delay_ms: i64,
    /// Failed attempts allowed before the job is dead-lettered (negative: 0).
    pub max_retries: i32,
    /// Base of the exponential retry backoff (negative: 0).
    pub backoff_ms: i64,
    /// Hard timeout of one attempt (at least 1 ms).
    pub timeout_ms: i64,
    pub unique_key: Option<String>,
    /// JSON text, stored verbatim.
    pub metadata: Option<String>,
    /// Not started later than this long after the insert (negative: at once).
    pub expires_ms: Option<i64>,
    /// How long the result is kept after completion (negative: 0).
    pub result_ttl_ms: Option<i64>,
    /// Jobs this one waits for: an id of a job stored earlier, or of a job
    /// earlier in the same batch (see [`plan`]).
    pub depends_on: Vec<String>,
}

impl JobSpec {
    /// A job of `task_name` with the defaults every enqueue path starts from (and
    /// [`NewJob::new`] too): queue `"default"`, priority 0, 3 retries, 1 s backoff,
    /// 300 s timeout, runnable at once.
    #[must_use]
    pub fn new(task_name: &str, payload: Vec<u8>) -> Self {
        Self {
            id: None,
            task_name: task_name.to_owned(),
            payload,
            queue: "default".to_owned(),
            priority: 0,
            delay_ms: 0,
            max_retries: 3,
            backoff_ms: 1_000,
            timeout_ms: 300_000,
            unique_key: None,
            metadata: None,
            expires_ms: None,
            result_ttl_ms: None,
            depends_on: Vec::new(),
        }
    }

    /// The job to insert at `now` (Unix ms), with its dependency ids as given.
    /// The only place where a spec's values are clamped and its times made absolute.
    #[must_use]
    pub fn into_job(self, now: i64) -> (NewJob, Vec<String>) {
        let job = NewJob {
            id: self.id.unwrap_or_else(new_job_id),
            queue: self.queue,
            task_name: self.task_name,
            payload: self.payload,
            priority: self.priority,
            created_at: now,
            scheduled_at: now.saturating_add(self.delay_ms.max(0)),
            max_retries: self.max_retries.max(0),
            backoff_ms: self.backoff_ms.max(0),
            timeout_ms: self.timeout_ms.max(1),
            unique_key: self.unique_key,
            metadata: self.metadata,
            expires_at: self.expires_ms.map(|ms| now.saturating_add(ms.max(0))),
            result_ttl_ms: self.result_ttl_ms.map(|ms| ms.max(0)),
        };
        (job, self.depends_on)
    }
}

/// The jobs of `specs` as one insert at `now`: a dependency naming the id of
/// an earlier spec of the batch refers to that entry (whatever id ends up
/// standing for it, such as a live holder of its unique key); any other id is
/// a job already stored.
#[must_use]
pub fn plan(specs: Vec<JobSpec>, now: i64) -> Vec<GraphJob> {
    // Ids are looked up only when some entry has dependencies (a plain batch
    // of a million jobs pays nothing for this).
    let linked = specs.iter().any(|spec| !spec.depends_on.is_empty());
    let mut planned: HashMap<String, usize> = HashMap::new();
    let mut batch = Vec::with_capacity(specs.len());
    for (index, spec) in specs.into_iter().enumerate() {
        let (job, deps) = spec.into_job(now);
        let depends_on = deps
            .into_iter()
            .map(|dep| match planned.get(&dep) {
                Some(&i) => DepRef::Batch(i),
                None => DepRef::Existing(dep),
            })
            .collect();
        if linked {
            planned.entry(job.id.clone()).or_insert(index);
        }
        batch.push(GraphJob { job, depends_on });
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_made_absolute_and_values_clamped() {
        let mut spec = JobSpec::new("t", b"p".to_vec());
        spec.delay_ms = -5;
        spec.max_retries = -1;
        spec.backoff_ms = -1;
        spec.timeout_ms = 0;
        spec.expires_ms = Some(250);
        spec.result_ttl_ms = Some(-3);
        let (job, deps) = spec.into_job(1_000);
        assert_eq!(job.created_at, 1_000);
        assert_eq!(job.scheduled_at, 1_000);
        assert_eq!(job.max_retries, 0);
        assert_eq!(job.backoff_ms, 0);
        assert_eq!(job.timeout_ms, 1);
        assert_eq!(job.expires_at, Some(1_250));
        assert_eq!(job.result_ttl_ms, Some(0));
        assert!(deps.is_empty());
        assert_eq!(job.id.len(), 36, "a new id is given: {}", job.id);
    }

    #[test]
    fn the_defaults_are_those_of_a_new_job() {
        let (job, _) = JobSpec::new("t", vec![1]).into_job(7);
        let mut expected = NewJob::new("default", "t", vec![1], 7);
        expected.id.clone_from(&job.id);
        assert_eq!(job, expected);
    }

    #[test]
    fn a_dependency_on_an_earlier_entry_becomes_a_batch_reference() {
        let mut first = JobSpec::new("a", vec![]);
        first.id = Some("one".into());
        let mut second = JobSpec::new("b", vec![]);
        second.depends_on = vec!["one".into(), "stored".into()];
        let batch = plan(vec![first, second], 0);
        assert_eq!(batch[0].job.id, "one");
        assert!(batch[0].depends_on.is_empty());
        assert_eq!(
            batch[1].depends_on,
            vec![DepRef::Batch(0), DepRef::Existing("stored".into())]
        );
    }
}
