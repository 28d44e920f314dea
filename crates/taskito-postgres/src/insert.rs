//! Inserting a batch of jobs in one statement, mapping unique keys to their
//! live holders, and reconciling a batch whose commit was lost.

use std::collections::{HashMap, HashSet};

use taskito_core::{Error, NewJob};

use crate::connection::{Tx, TxError, TxResult};
use crate::errors;
use crate::pool::Prior;

const INSERT: &str = include_str!("../queries/job_insert.sql");
const LIVE_BY_KEY: &str = include_str!("../queries/job_live_by_key.sql");
const EXISTING: &str = include_str!("../queries/job_ids_existing.sql");

/// How often a job whose key holder finished between our insert and our
/// lookup is inserted again before giving up.
const KEY_RACES: usize = 10;

/// Runs inside the caller's write transaction.
///
/// After a lost commit ([`Prior::UnknownCommit`]) the batch is first looked
/// up by its client-chosen ids: if any exists, the lost commit happened (a
/// batch commits whole) and the answer is read back instead of inserting
/// again, which would fail on the ids.
pub(crate) fn insert_many(
    tx: &mut Tx<'_>,
    jobs: &[&NewJob],
    prior: Prior,
) -> TxResult<Vec<String>> {
    if prior == Prior::UnknownCommit {
        if let Some(ids) = reconcile(tx, jobs)? {
            return Ok(ids);
        }
    }
    let mut answer: Vec<Option<String>> = vec![None; jobs.len()];
    let mut todo: Vec<usize> = (0..jobs.len()).collect();
    for _ in 0..KEY_RACES {
        let batch: Vec<&NewJob> = todo.iter().map(|&i| jobs[i]).collect();
        let inserted = insert_batch(tx, &batch)?;
        let holders = live_holders(tx, &batch, &inserted)?;
        let mut again = Vec::new();
        for &i in &todo {
            let job = jobs[i];
            if inserted.contains(job.id.as_str()) {
                answer[i] = Some(job.id.clone());
            } else if let Some(holder) = job.unique_key.as_ref().and_then(|k| holders.get(k)) {
                answer[i] = Some(holder.clone());
            } else {
                // The holder finished after our insert skipped this job.
                again.push(i);
            }
        }
        if again.is_empty() {
            if answer.iter().any(|id| id.is_some()) {
                tx.notify();
            }
            return Ok(answer.into_iter().flatten().collect());
        }
        todo = again;
    }
    Err(TxError::Fail(Error::storage(format!(
        "unique keys of {} jobs kept changing hands while they were inserted",
        todo.len()
    ))))
}

/// Inserts `batch` (skipping jobs whose unique key is live); returns the ids
/// inserted.
fn insert_batch(tx: &mut Tx<'_>, batch: &[&NewJob]) -> TxResult<HashSet<String>> {
    let ids: Vec<&str> = batch.iter().map(|j| j.id.as_str()).collect();
    let queues: Vec<&str> = batch.iter().map(|j| j.queue.as_str()).collect();
    let tasks: Vec<&str> = batch.iter().map(|j| j.task_name.as_str()).collect();
    let priorities: Vec<i32> = batch.iter().map(|j| j.priority).collect();
    let created: Vec<i64> = batch.iter().map(|j| j.created_at).collect();
    let scheduled: Vec<i64> = batch.iter().map(|j| j.scheduled_at).collect();
    let max_retries: Vec<i32> = batch.iter().map(|j| j.max_retries).collect();
    let backoffs: Vec<i64> = batch.iter().map(|j| j.backoff_ms).collect();
    let timeouts: Vec<i64> = batch.iter().map(|j| j.timeout_ms).collect();
    let keys: Vec<Option<&str>> = batch.iter().map(|j| j.unique_key.as_deref()).collect();
    let metadata: Vec<Option<&str>> = batch.iter().map(|j| j.metadata.as_deref()).collect();
    let expires: Vec<Option<i64>> = batch.iter().map(|j| j.expires_at).collect();
    let ttls: Vec<Option<i64>> = batch.iter().map(|j| j.result_ttl_ms).collect();
    let payloads: Vec<&[u8]> = batch.iter().map(|j| j.payload.as_slice()).collect();
    let rows = tx
        .query(
            INSERT,
            &[
                &ids,
                &queues,
                &tasks,
                &priorities,
                &created,
                &scheduled,
                &max_retries,
                &backoffs,
                &timeouts,
                &keys,
                &metadata,
                &expires,
                &ttls,
                &payloads,
            ],
        )
        .map_err(|e| duplicate_id(e, batch))?;
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map_err(TxError::from))
        .collect()
}

/// The live holder of each unique key of the jobs not inserted.
fn live_holders(
    tx: &mut Tx<'_>,
    batch: &[&NewJob],
    inserted: &HashSet<String>,
) -> TxResult<HashMap<String, String>> {
    let keys: Vec<&str> = batch
        .iter()
        .filter(|j| !inserted.contains(j.id.as_str()))
        .filter_map(|j| j.unique_key.as_deref())
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    tx.query(LIVE_BY_KEY, &[&keys])?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

fn duplicate_id(e: postgres::Error, batch: &[&NewJob]) -> TxError {
    if !errors::is_duplicate_job_id(&e) {
        return TxError::Pg(e);
    }
    // The server names the id in its detail ("Key (id)=(...) already
    // exists."), in the server's language; the ids are ours to name.
    let detail = e.as_db_error().and_then(|db| db.detail()).unwrap_or("");
    let named = batch
        .iter()
        .find(|j| detail.contains(&format!("({})", j.id)))
        .map_or_else(|| "one of these ids".to_owned(), |j| format!("id {}", j.id));
    TxError::Fail(Error::InvalidInput(format!(
        "a job with {named} already exists"
    )))
}

/// The answer of a batch whose commit was lost, if it did commit: each job's
/// own id where it exists, else the live holder of its key. `None` when none
/// of the ids exists (nothing was inserted: run the batch again).
pub(crate) fn reconcile(tx: &mut Tx<'_>, jobs: &[&NewJob]) -> TxResult<Option<Vec<String>>> {
    let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    let existing: HashSet<String> = tx
        .query(EXISTING, &[&ids])?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    if existing.is_empty() {
        return Ok(None);
    }
    let holders = live_holders(tx, jobs, &existing)?;
    // A key whose holder has finished since: the job of this batch that took it.
    let first_with_key: HashMap<&str, &str> = jobs
        .iter()
        .rev()
        .filter(|j| existing.contains(j.id.as_str()))
        .filter_map(|j| Some((j.unique_key.as_deref()?, j.id.as_str())))
        .collect();
    jobs.iter()
        .map(|job| {
            if existing.contains(job.id.as_str()) {
                return Ok(job.id.clone());
            }
            let key = job.unique_key.as_deref();
            key.and_then(|k| holders.get(k).cloned())
                .or_else(|| key.and_then(|k| first_with_key.get(k)).map(|id| (*id).to_owned()))
                .ok_or_else(|| {
                    TxError::Fail(Error::storage(format!(
                        "the connection was lost while committing job {}, and it is unclear whether it was inserted",
                        job.id
                    )))
                })
        })
        .collect::<TxResult<Vec<String>>>()
        .map(Some)
}
