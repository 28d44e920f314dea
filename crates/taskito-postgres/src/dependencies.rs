//! Jobs that wait for other jobs: inserting them, releasing them when a
//! dependency completes, cancelling them (transitively) when one cannot.

use taskito_core::{Error, NewJob, EXPIRED_ERROR};

use crate::connection::{Conn, Session, Tx, TxError, TxResult};
use crate::insert;
use crate::pool::Prior;

const LOCK: &str = include_str!("../queries/dependency_lock.sql");
const ADD: &str = include_str!("../queries/dependency_add.sql");
const RELEASE: &str = include_str!("../queries/dependency_release.sql");
const RECOUNT: &str = include_str!("../queries/dependency_recount.sql");
const CASCADE: &str = include_str!("../queries/dependency_cascade.sql");
const LIST: &str = include_str!("../queries/dependency_list.sql");
const DEPENDENTS: &str = include_str!("../queries/dependent_list.sql");
const EXISTS: &str = "SELECT 1 FROM jobs WHERE id = $1";
const EXPIRE_PARENTS: &str = include_str!("../queries/job_expire_parents.sql");

/// How a job ended without completing, as its dependents' error says it
/// (the words are core's).
pub(crate) use taskito_core::DependencyEnd as Ended;

/// Runs inside the caller's write transaction. The dependencies' rows stay
/// locked until it ends, so none of them can finish between the check and
/// the edges (a finish waits, then sees the edges and releases or cancels).
pub(crate) fn insert_dependent(
    tx: &mut Tx<'_>,
    job: &NewJob,
    depends_on: &[String],
    prior: Prior,
) -> TxResult<String> {
    if prior == Prior::UnknownCommit && tx.query_opt(EXISTS, &[&job.id])?.is_some() {
        // The lost commit happened: the job and its edges are in.
        return Ok(job.id.clone());
    }
    let mut unique: Vec<&str> = Vec::with_capacity(depends_on.len());
    for dep in depends_on {
        if !unique.contains(&dep.as_str()) {
            unique.push(dep);
        }
    }
    let found = tx.query(LOCK, &[&unique])?;
    let mut waiting = 0_i32;
    for dep in &unique {
        let row = found
            .iter()
            .find(|r| r.try_get::<_, &str>(0).ok() == Some(*dep));
        let status: Option<&str> = row.map(|r| r.try_get(1)).transpose()?;
        match status {
            None => return Err(refuse(format!("dependency {dep} does not exist"))),
            Some(s @ ("dead" | "failed" | "cancelled")) => {
                return Err(refuse(format!(
                    "dependency {dep} is {s}: a job waiting for it could never run"
                )))
            }
            Some("complete") => {}
            Some(_) => waiting += 1,
        }
    }
    let id = insert::insert_many(tx, &[job], Prior::Clean)?
        .pop()
        .unwrap_or_default();
    if id != job.id {
        // A live job holds the unique key: it stands for this one as it is.
        return Ok(id);
    }
    tx.execute(ADD, &[&id, &unique, &waiting])?;
    Ok(id)
}

fn refuse(message: String) -> TxError {
    TxError::Fail(Error::Dependency(message))
}

/// `ids` just completed and have dependents: each waits for them no more.
pub(crate) fn release(tx: &mut Tx<'_>, ids: &[&str]) -> TxResult<()> {
    tx.execute(RELEASE, &[&ids])?;
    Ok(())
}

/// Sets `waiting_on` of the pending dependents of `ids` from their edges.
pub(crate) fn recount(session: &mut Session<'_>, ids: &[String]) -> TxResult<()> {
    session.execute(RECOUNT, &[&ids])?;
    Ok(())
}

/// `id` ended without completing and has dependents: cancels them, and theirs,
/// each with an error naming the dependency it waited for.
pub(crate) fn cascade(tx: &mut Tx<'_>, id: &str, ended: Ended, now: i64) -> TxResult<()> {
    let mut frontier = vec![(id.to_owned(), ended)];
    while let Some((parent, ended)) = frontier.pop() {
        let error = ended.dependent_error(&parent);
        for row in tx.query(CASCADE, &[&parent, &error, &now])? {
            if row.try_get::<_, i32>(1)? > 0 {
                frontier.push((row.try_get(0)?, Ended::Cancelled));
            }
        }
    }
    tx.notify();
    Ok(())
}

/// Expires the jobs with dependents that a claim found past their deadline
/// (the claim leaves them pending) and cancels their dependents, in the
/// caller's transaction: the two commit together or not at all.
pub(crate) fn expire_parents(tx: &mut Tx<'_>, ids: &[String], now: i64) -> TxResult<()> {
    for row in tx.query(EXPIRE_PARENTS, &[&ids, &now, &EXPIRED_ERROR])? {
        let id: String = row.try_get(0)?;
        cascade(tx, &id, Ended::Expired, now)?;
    }
    Ok(())
}

pub(crate) fn dependencies(conn: &mut Conn, id: &str) -> TxResult<Vec<String>> {
    column(&conn.query(LIST, &[&id])?)
}

pub(crate) fn dependents(conn: &mut Conn, id: &str) -> TxResult<Vec<String>> {
    column(&conn.query(DEPENDENTS, &[&id])?)
}

fn column(rows: &[postgres::Row]) -> TxResult<Vec<String>> {
    Ok(rows
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<Vec<String>, _>>()?)
}
