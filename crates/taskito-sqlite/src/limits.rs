//! Rate limit slots and circuit breakers. The breaker's state machine is
//! `taskito_core::Breaker`; this module loads and stores it.

use rusqlite::{params, Connection, OptionalExtension, Row};
use taskito_core::{Admission, Breaker, BreakerConfig, BreakerState};

use crate::busy::TxResult;

const RESERVATION: &str = include_str!("../queries/rate_reservation.sql");
const USE_RESERVATION: &str = include_str!("../queries/rate_reservation_use.sql");
const TAKE_SLOT: &str = include_str!("../queries/rate_take_slot.sql");
const RESERVE: &str = include_str!("../queries/rate_reserve.sql");
const BREAKER_GET: &str = include_str!("../queries/breaker_get.sql");
const BREAKER_LIST: &str = include_str!("../queries/breaker_list.sql");
const BREAKER_SAVE: &str = include_str!("../queries/breaker_save.sql");

/// Runs inside the caller's write transaction (see `Store::rate_acquire`).
pub(crate) fn rate_acquire(
    conn: &Connection,
    key: &str,
    job_id: &str,
    interval_ms: i64,
    now: i64,
) -> TxResult<Admission> {
    let reserved: Option<i64> = conn
        .prepare_cached(RESERVATION)?
        .query_row([job_id], |r| r.get(0))
        .optional()?;
    if let Some(slot) = reserved {
        if slot > now {
            return Ok(Admission::Delay(slot));
        }
        conn.prepare_cached(USE_RESERVATION)?.execute([job_id])?;
        return Ok(Admission::Run);
    }
    let slot: i64 = conn
        .prepare_cached(TAKE_SLOT)?
        .query_row(params![key, now, interval_ms], |r| r.get(0))?;
    if slot <= now {
        return Ok(Admission::Run);
    }
    conn.prepare_cached(RESERVE)?
        .execute(params![job_id, key, slot])?;
    Ok(Admission::Delay(slot))
}

pub(crate) fn breaker_get(conn: &Connection, task: &str) -> TxResult<Option<Breaker>> {
    Ok(conn
        .prepare_cached(BREAKER_GET)?
        .query_row([task], breaker_from_row)
        .optional()?)
}

/// Runs inside the caller's write transaction: load, decide, store.
pub(crate) fn breaker_admit(
    conn: &Connection,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    now: i64,
) -> TxResult<Admission> {
    let Some(mut breaker) = breaker_get(conn, task)? else {
        return Ok(Admission::Run);
    };
    let (admission, changed) = breaker.admit(config, job_id, now);
    if changed {
        save(conn, &breaker)?;
    }
    Ok(admission)
}

/// Runs inside the caller's write transaction: load, record, store.
pub(crate) fn breaker_record(
    conn: &Connection,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    failed: bool,
    now: i64,
) -> TxResult<()> {
    let mut breaker = breaker_get(conn, task)?.unwrap_or_else(|| Breaker::new(task, config));
    if breaker.record(config, job_id, failed, now) {
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
