//! Rate limit slots and circuit breakers: each call loads the stored state,
//! lets core decide (`taskito_core::decide_rate`, `decide_admit`,
//! `decide_record`) and saves what changed, in one write transaction.

use rusqlite::{params, Connection, OptionalExtension, Row};
use taskito_core::{
    decide_admit, decide_rate, decide_record, Admission, Breaker, BreakerConfig, BreakerState,
    RateState, Reservation,
};

use crate::busy::TxResult;

const LOAD: &str = include_str!("../queries/rate_load.sql");
const SAVE_NEXT: &str = include_str!("../queries/rate_save_next.sql");
const USE_RESERVATION: &str = include_str!("../queries/rate_reservation_use.sql");
const RESERVE: &str = include_str!("../queries/rate_reserve.sql");
const BREAKER_GET: &str = include_str!("../queries/breaker_get.sql");
const BREAKER_LIST: &str = include_str!("../queries/breaker_list.sql");
const BREAKER_SAVE: &str = include_str!("../queries/breaker_save.sql");

/// Runs inside the caller's write transaction (see `Store::rate_acquire`),
/// which holds SQLite's write lock from the load to the save.
pub(crate) fn rate_acquire(
    conn: &Connection,
    key: &str,
    job_id: &str,
    interval_ms: i64,
    now: i64,
) -> TxResult<Admission> {
    let loaded = conn
        .prepare_cached(LOAD)?
        .query_row(params![key, job_id], |r| {
            Ok(RateState {
                reserved: r.get(0)?,
                next_at: r.get(1)?,
            })
        })?;
    let decided = decide_rate(loaded, interval_ms, now);
    if let Some(next_at) = decided.next_at {
        conn.prepare_cached(SAVE_NEXT)?
            .execute(params![key, next_at])?;
    }
    match decided.reservation {
        Reservation::Keep => {}
        Reservation::UseUp => {
            conn.prepare_cached(USE_RESERVATION)?.execute([job_id])?;
        }
        Reservation::Reserve(slot) => {
            conn.prepare_cached(RESERVE)?
                .execute(params![job_id, key, slot])?;
        }
    }
    Ok(decided.admission)
}

pub(crate) fn breaker_get(conn: &Connection, task: &str) -> TxResult<Option<Breaker>> {
    Ok(conn
        .prepare_cached(BREAKER_GET)?
        .query_row([task], breaker_from_row)
        .optional()?)
}

/// Runs inside the caller's write transaction: load, decide, save.
pub(crate) fn breaker_admit(
    conn: &Connection,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    now: i64,
) -> TxResult<Admission> {
    let (admission, changed) = decide_admit(breaker_get(conn, task)?, config, job_id, now);
    if let Some(breaker) = changed {
        save(conn, &breaker)?;
    }
    Ok(admission)
}

/// Runs inside the caller's write transaction: load, decide, save.
pub(crate) fn breaker_record(
    conn: &Connection,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    failed: bool,
    now: i64,
) -> TxResult<()> {
    let loaded = breaker_get(conn, task)?;
    if let Some(breaker) = decide_record(loaded, task, config, job_id, failed, now) {
        save(conn, &breaker)?;
    }
    Ok(())
}

pub(crate) fn breaker_list(conn: &Connection) -> TxResult<Vec<Breaker>> {
    Ok(conn
        .prepare_cached(BREAKER_LIST)?
        .query_map([], breaker_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

fn save(conn: &Connection, b: &Breaker) -> TxResult<()> {
    conn.prepare_cached(BREAKER_SAVE)?.execute(params![
        b.task_name,
        b.state.as_str(),
        b.failure_count,
        b.window_started_at,
        b.last_failure_at,
        b.opened_at,
        b.trial_job_id,
        b.trial_started_at,
        b.threshold,
        b.window_ms,
        b.cooldown_ms,
    ])?;
    Ok(())
}

fn breaker_from_row(row: &Row<'_>) -> rusqlite::Result<Breaker> {
    Ok(Breaker {
        task_name: row.get(0)?,
        state: BreakerState::parse(&row.get::<_, String>(1)?),
        failure_count: row.get(2)?,
        window_started_at: row.get(3)?,
        last_failure_at: row.get(4)?,
        opened_at: row.get(5)?,
        trial_job_id: row.get(6)?,
        trial_started_at: row.get(7)?,
        threshold: row.get(8)?,
        window_ms: row.get(9)?,
        cooldown_ms: row.get(10)?,
    })
}
