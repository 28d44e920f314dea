//! Periodic schedules and their ticks.

use rusqlite::{params, Connection, Row};
use taskito_core::{NewJob, PeriodicSchedule};

use crate::busy::TxResult;
use crate::counts::Tx;
use crate::jobs;

const UPSERT: &str = include_str!("../queries/periodic_upsert.sql");
const RECORD_TICK: &str = include_str!("../queries/periodic_tick_record.sql");
const ADVANCE: &str = include_str!("../queries/periodic_tick_advance.sql");
const UNRECORD_TICK: &str = "DELETE FROM periodic_ticks WHERE schedule_name = ?1 AND tick_at = ?2";
const PRUNE_TICKS: &str = "DELETE FROM periodic_ticks WHERE schedule_name = ?1 AND tick_at < ?2";
const LIST: &str = include_str!("../queries/periodic_list.sql");

/// Ticks kept per schedule, behind its latest one.
const KEEP_TICKS_MS: i64 = 86_400_000;

/// Runs inside the caller's write transaction.
pub(crate) fn register(
    conn: &Connection,
    schedules: &[PeriodicSchedule],
) -> TxResult<Vec<PeriodicSchedule>> {
    let mut upsert = conn.prepare_cached(UPSERT)?;
    let mut stored = Vec::with_capacity(schedules.len());
    for s in schedules {
        stored.push(upsert.query_row(
            params![
                s.name,
                s.task_name,
                s.cron_expr,
                s.timezone,
                s.queue,
                s.registered_at
            ],
            schedule_from_row,
        )?);
    }
    Ok(stored)
}

/// Runs inside the caller's write transaction: the tick, the schedule's
/// progress and the job commit together.
pub(crate) fn tick(conn: &Tx<'_>, name: &str, tick_at: i64, job: &NewJob) -> TxResult<bool> {
    if conn
        .prepare_cached(RECORD_TICK)?
        .execute(params![name, tick_at, job.id])?
        == 0
    {
        return Ok(false);
    }
    if conn
        .prepare_cached(ADVANCE)?
        .execute(params![name, tick_at])?
        == 0
    {
        // Unknown schedule, or a later tick already enqueued.
        conn.prepare_cached(UNRECORD_TICK)?
            .execute(params![name, tick_at])?;
        return Ok(false);
    }
    conn.prepare_cached(PRUNE_TICKS)?
        .execute(params![name, tick_at - KEEP_TICKS_MS])?;
    jobs::insert_many(conn, &[job])?;
    Ok(true)
}

pub(crate) fn list(conn: &Connection) -> TxResult<Vec<PeriodicSchedule>> {
    Ok(conn
        .prepare_cached(LIST)?
        .query_map([], schedule_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn schedule_from_row(row: &Row<'_>) -> rusqlite::Result<PeriodicSchedule> {
    Ok(PeriodicSchedule {
        name: row.get(0)?,
        task_name: row.get(1)?,
        cron_expr: row.get(2)?,
        timezone: row.get(3)?,
        queue: row.get(4)?,
        registered_at: row.get(5)?,
        last_tick_at: row.get(6)?,
    })
}
