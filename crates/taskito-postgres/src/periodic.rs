//! Periodic schedules and their ticks.

use postgres::Row;
use taskito_core::{NewJob, PeriodicSchedule};

use crate::connection::{Conn, Tx, TxResult};
use crate::insert;
use crate::pool::Prior;

const UPSERT: &str = include_str!("../queries/periodic_upsert.sql");
const RECORD_TICK: &str = include_str!("../queries/periodic_tick_record.sql");
const ADVANCE: &str = include_str!("../queries/periodic_tick_advance.sql");
const UNRECORD_TICK: &str = "DELETE FROM periodic_ticks WHERE schedule_name = $1 AND tick_at = $2";
const PRUNE_TICKS: &str = "DELETE FROM periodic_ticks WHERE schedule_name = $1 AND tick_at < $2";
const TICK_JOB: &str =
    "SELECT 1 FROM periodic_ticks WHERE schedule_name = $1 AND tick_at = $2 AND job_id = $3";
const LIST: &str = include_str!("../queries/periodic_list.sql");

/// Ticks kept per schedule, behind its latest one.
const KEEP_TICKS_MS: i64 = 86_400_000;

/// Runs inside the caller's write transaction.
pub(crate) fn register(
    tx: &mut Tx<'_>,
    schedules: &[PeriodicSchedule],
) -> TxResult<Vec<PeriodicSchedule>> {
    let mut stored = Vec::with_capacity(schedules.len());
    for s in schedules {
        let row = tx.query(
            UPSERT,
            &[
                &s.name,
                &s.task_name,
                &s.cron_expr,
                &s.timezone,
                &s.queue,
                &s.registered_at,
            ],
        )?;
        for row in &row {
            stored.push(schedule(row)?);
        }
    }
    Ok(stored)
}

/// Runs inside the caller's write transaction: the tick, the schedule's
/// progress and the job commit together. Concurrent ticks of one schedule
/// queue on the tick's key and then on the schedule's row, in that order
/// for every caller, so they cannot deadlock. After a lost commit, the tick
/// found recorded with this job's id means the lost commit enqueued it.
pub(crate) fn tick(
    tx: &mut Tx<'_>,
    name: &str,
    tick_at: i64,
    job: &NewJob,
    prior: Prior,
) -> TxResult<bool> {
    if prior == Prior::UnknownCommit
        && tx
            .query_opt(TICK_JOB, &[&name, &tick_at, &job.id])?
            .is_some()
    {
        return Ok(true);
    }
    if tx.execute(RECORD_TICK, &[&name, &tick_at, &job.id])? == 0 {
        return Ok(false);
    }
    if tx.execute(ADVANCE, &[&name, &tick_at])? == 0 {
        // Unknown schedule, or a later tick already enqueued.
        tx.execute(UNRECORD_TICK, &[&name, &tick_at])?;
        return Ok(false);
    }
    tx.execute(PRUNE_TICKS, &[&name, &(tick_at - KEEP_TICKS_MS)])?;
    insert::insert_many(tx, &[job], Prior::Clean)?;
    Ok(true)
}

pub(crate) fn list(conn: &mut Conn) -> TxResult<Vec<PeriodicSchedule>> {
    conn.query(LIST, &[])?.iter().map(schedule).collect()
}

fn schedule(row: &Row) -> TxResult<PeriodicSchedule> {
    Ok(PeriodicSchedule {
        name: row.try_get(0)?,
        task_name: row.try_get(1)?,
        cron_expr: row.try_get(2)?,
        timezone: row.try_get(3)?,
        queue: row.try_get(4)?,
        registered_at: row.try_get(5)?,
        last_tick_at: row.try_get(6)?,
    })
}
