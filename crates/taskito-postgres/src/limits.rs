//! Rate limit slots and circuit breakers. The breaker's state machine is
//! `taskito_core::Breaker`; this module loads and stores it, holding the row
//! lock in between so that concurrent workers take turns.

use postgres::Row;
use taskito_core::{Admission, Breaker, BreakerConfig, BreakerState};

use crate::connection::{Conn, Tx, TxResult};

const RESERVATION: &str = include_str!("../queries/rate_reservation.sql");
const USE_RESERVATION: &str = include_str!("../queries/rate_reservation_use.sql");
const TAKE_SLOT: &str = include_str!("../queries/rate_take_slot.sql");
const RESERVE: &str = include_str!("../queries/rate_reserve.sql");
const BREAKER_GET: &str = include_str!("../queries/breaker_get.sql");
const BREAKER_LOCK: &str = include_str!("../queries/breaker_lock.sql");
const BREAKER_CREATE: &str = include_str!("../queries/breaker_create.sql");
const BREAKER_LIST: &str = include_str!("../queries/breaker_list.sql");
const BREAKER_SAVE: &str = include_str!("../queries/breaker_save.sql");

/// Runs inside the caller's write transaction (see `Store::rate_acquire`).
/// The slot is taken by one upsert, which locks the limit's row until commit.
pub(crate) fn rate_acquire(
    tx: &mut Tx<'_>,
    key: &str,
    job_id: &str,
    interval_ms: i64,
    now: i64,
) -> TxResult<Admission> {
    if let Some(row) = tx.query_opt(RESERVATION, &[&job_id])? {
        let slot: i64 = row.try_get(0)?;
        if slot > now {
            return Ok(Admission::Delay(slot));
        }
        tx.execute(USE_RESERVATION, &[&job_id])?;
        return Ok(Admission::Run);
    }
    let slot: i64 = tx
        .query_opt(TAKE_SLOT, &[&key, &now, &interval_ms])?
        .map_or(Ok(now), |row| row.try_get(0))?;
    if slot <= now {
        return Ok(Admission::Run);
    }
    tx.execute(RESERVE, &[&job_id, &key, &slot])?;
    Ok(Admission::Delay(slot))
}

pub(crate) fn breaker_get(conn: &mut Conn, task: &str) -> TxResult<Option<Breaker>> {
    conn.query_opt(BREAKER_GET, &[&task])?
        .as_ref()
        .map(breaker)
        .transpose()
}

fn breaker_lock(tx: &mut Tx<'_>, task: &str) -> TxResult<Option<Breaker>> {
    tx.query_opt(BREAKER_LOCK, &[&task])?
        .as_ref()
        .map(breaker)
        .transpose()
}

/// Runs inside the caller's write transaction: lock, decide, store.
pub(crate) fn breaker_admit(
    tx: &mut Tx<'_>,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    now: i64,
) -> TxResult<Admission> {
    let Some(mut breaker) = breaker_lock(tx, task)? else {
        return Ok(Admission::Run);
    };
    let (admission, changed) = breaker.admit(config, job_id, now);
    if changed {
        save(tx, &breaker)?;
    }
    Ok(admission)
}

/// Runs inside the caller's write transaction: create if missing, lock,
/// record, store.
pub(crate) fn breaker_record(
    tx: &mut Tx<'_>,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    failed: bool,
    now: i64,
) -> TxResult<()> {
    tx.execute(
        BREAKER_CREATE,
        &[
            &task,
            &config.threshold,
            &config.window_ms,
            &config.cooldown_ms,
        ],
    )?;
    let mut breaker = breaker_lock(tx, task)?.unwrap_or_else(|| Breaker::new(task, config));
    if breaker.record(config, job_id, failed, now) {
        save(tx, &breaker)?;
    }
    Ok(())
}

pub(crate) fn breaker_list(conn: &mut Conn) -> TxResult<Vec<Breaker>> {
    conn.query(BREAKER_LIST, &[])?.iter().map(breaker).collect()
}

fn save(tx: &mut Tx<'_>, b: &Breaker) -> TxResult<()> {
    tx.execute(
        BREAKER_SAVE,
        &[
            &b.task_name,
            &b.state.as_str(),
            &b.failure_count,
            &b.window_started_at,
            &b.last_failure_at,
            &b.opened_at,
            &b.trial_job_id,
            &b.trial_started_at,
            &b.threshold,
            &b.window_ms,
            &b.cooldown_ms,
        ],
    )?;
    Ok(())
}

fn breaker(row: &Row) -> TxResult<Breaker> {
    let state: &str = row.try_get(1)?;
    Ok(Breaker {
        task_name: row.try_get(0)?,
        state: BreakerState::parse(state),
        failure_count: row.try_get(2)?,
        window_started_at: row.try_get(3)?,
        last_failure_at: row.try_get(4)?,
        opened_at: row.try_get(5)?,
        trial_job_id: row.try_get(6)?,
        trial_started_at: row.try_get(7)?,
        threshold: row.try_get(8)?,
        window_ms: row.try_get(9)?,
        cooldown_ms: row.try_get(10)?,
    })
}
