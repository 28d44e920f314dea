//! Rate limit slots and circuit breakers: each call loads the stored state,
//! locking its row, lets core decide (`taskito_core::decide_rate`,
//! `decide_admit`, `decide_record`) and saves what changed, in one write
//! transaction, so that concurrent workers take turns.

use postgres::Row;
use taskito_core::{
    decide_admit, decide_rate, decide_record, Admission, Breaker, BreakerConfig, BreakerState,
    RateState, Reservation,
};

use crate::connection::{Conn, Tx, TxResult};

const LOAD: &str = include_str!("../queries/rate_load.sql");
const SAVE_NEXT: &str = include_str!("../queries/rate_save_next.sql");
const USE_RESERVATION: &str = include_str!("../queries/rate_reservation_use.sql");
const RESERVE: &str = include_str!("../queries/rate_reserve.sql");
const BREAKER_GET: &str = include_str!("../queries/breaker_get.sql");
const BREAKER_LOCK: &str = include_str!("../queries/breaker_lock.sql");
const BREAKER_CREATE: &str = include_str!("../queries/breaker_create.sql");
const BREAKER_LIST: &str = include_str!("../queries/breaker_list.sql");
const BREAKER_SAVE: &str = include_str!("../queries/breaker_save.sql");

/// Runs inside the caller's write transaction (see `Store::rate_acquire`):
/// the load locks the limit's row until commit.
pub(crate) fn rate_acquire(
    tx: &mut Tx<'_>,
    key: &str,
    job_id: &str,
    interval_ms: i64,
    now: i64,
) -> TxResult<Admission> {
    let loaded = match tx.query_opt(LOAD, &[&key, &job_id, &now])? {
        Some(row) => RateState {
            reserved: row.try_get(0)?,
            next_at: row.try_get(1)?,
        },
        None => RateState::default(),
    };
    let decided = decide_rate(loaded, interval_ms, now);
    if let Some(next_at) = decided.next_at {
        tx.execute(SAVE_NEXT, &[&key, &next_at])?;
    }
    match decided.reservation {
        Reservation::Keep => {}
        Reservation::UseUp => {
            tx.execute(USE_RESERVATION, &[&job_id])?;
        }
        Reservation::Reserve(slot) => {
            tx.execute(RESERVE, &[&job_id, &key, &slot])?;
        }
    }
    Ok(decided.admission)
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
    let loaded = breaker_lock(tx, task)?;
    let (admission, changed) = decide_admit(loaded, config, job_id, now);
    if let Some(breaker) = changed {
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
    let loaded = breaker_lock(tx, task)?;
    if let Some(breaker) = decide_record(loaded, task, config, job_id, failed, now) {
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
