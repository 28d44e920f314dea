//! Jobs that wait for other jobs: inserting them, releasing them when a
//! dependency completes, cancelling them (transitively) when one cannot.

use rusqlite::{params, Connection, OptionalExtension};
use taskito_core::{Error, NewJob};

use crate::busy::{TxError, TxResult};
use crate::counts::{self, Tx};
use crate::jobs;

const ADD: &str = include_str!("../queries/dependency_add.sql");
const EDGE: &str = include_str!("../queries/dependency_edge.sql");
const WAIT: &str = "UPDATE jobs SET waiting_on = ?2 WHERE id = ?1";
const RELEASE: &str = include_str!("../queries/dependency_release.sql");
const LIST: &str = include_str!("../queries/dependency_list.sql");
const DEPENDENTS: &str = include_str!("../queries/dependent_list.sql");
const STATUS: &str = "SELECT status FROM jobs WHERE id = ?1";

/// How a job ended without completing, as its dependents' error says it
/// (the words are core's).
pub(crate) use taskito_core::DependencyEnd as Ended;

/// Runs inside the caller's write transaction (which serializes it with every
/// finish, so a dependency cannot end between the check and the edge).
pub(crate) fn insert_dependent(
    conn: &Tx<'_>,
    job: &NewJob,
    depends_on: &[String],
) -> TxResult<String> {
    let mut unique: Vec<&str> = Vec::with_capacity(depends_on.len());
    for dep in depends_on {
        if !unique.contains(&dep.as_str()) {
            unique.push(dep);
        }
    }
    let mut waiting = 0_i64;
    for dep in &unique {
        let status: Option<String> = conn
            .prepare_cached(STATUS)?
            .query_row([dep], |r| r.get(0))
            .optional()?;
        match status.as_deref() {
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
    let id = jobs::insert_many(conn, &[job])?.pop().unwrap_or_default();
    if id != job.id {
        // A live job holds the unique key: it stands for this one as it is.
        return Ok(id);
    }
    for (position, dep) in unique.iter().enumerate() {
        conn.prepare_cached(ADD)?.query_row([dep], |_| Ok(()))?;
        conn.prepare_cached(EDGE)?.execute(params![
            id,
            dep,
            i64::try_from(position).unwrap_or(i64::MAX)
        ])?;
    }
    if waiting > 0 {
        conn.prepare_cached(WAIT)?.execute(params![id, waiting])?;
    }
    Ok(id)
}

fn refuse(message: String) -> TxError {
    TxError::Fail(Error::Dependency(message))
}

/// `id` just completed and has dependents: each waits for one job less.
pub(crate) fn release(conn: &Connection, id: &str) -> TxResult<()> {
    conn.prepare_cached(RELEASE)?.execute([id])?;
    Ok(())
}

/// `id` ended without completing and has dependents: cancels them, and theirs,
/// each with an error naming the dependency it waited for.
pub(crate) fn cascade(tx: &Tx<'_>, id: &str, ended: Ended, now: i64) -> TxResult<()> {
    let mut frontier = vec![(id.to_owned(), ended)];
    while let Some((parent, ended)) = frontier.pop() {
        let error = ended.dependent_error(&parent);
        let children = tx.rows(&counts::CASCADE, params![parent, error, now], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for (child, dependents) in children {
            if dependents > 0 {
                frontier.push((child, Ended::Cancelled));
            }
        }
    }
    Ok(())
}

pub(crate) fn dependencies(conn: &Connection, id: &str) -> TxResult<Vec<String>> {
    Ok(conn
        .prepare_cached(LIST)?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn dependents(conn: &Connection, id: &str) -> TxResult<Vec<String>> {
    Ok(conn
        .prepare_cached(DEPENDENTS)?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}
