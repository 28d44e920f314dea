//! Job logs and task metric rollups.

use rusqlite::{params, Connection, Row};
use taskito_core::{Histogram, LogEntry, LogFilter, MetricRollup, MetricTally, NewLogEntry};

use crate::busy::TxResult;
use crate::rows;

const LOG_INSERT: &str = include_str!("../queries/log_insert.sql");
const LOG_LIST_JOB: &str = include_str!("../queries/log_list_job.sql");
const LOG_QUERY: &str = include_str!("../queries/log_query.sql");
const LOG_PURGE: &str = "DELETE FROM job_logs WHERE logged_at < ?1";
const METRIC_UPSERT: &str = include_str!("../queries/metric_upsert.sql");
const METRIC_LIST: &str = include_str!("../queries/metric_list.sql");
const METRIC_PURGE: &str = "DELETE FROM task_metrics WHERE last_at < ?1";

fn log_from_row(r: &Row<'_>) -> rusqlite::Result<LogEntry> {
    Ok(LogEntry {
        id: r.get(0)?,
        job_id: r.get(1)?,
        task_name: r.get(2)?,
        level: r.get(3)?,
        message: r.get(4)?,
        extra: r.get(5)?,
        logged_at: r.get(6)?,
    })
}

fn rollup_from_row(r: &Row<'_>) -> rusqlite::Result<MetricRollup> {
    Ok(MetricRollup {
        worker_id: r.get(0)?,
        task_name: r.get(1)?,
        bucket_start: r.get(2)?,
        last_at: r.get(3)?,
        tally: MetricTally {
            count: r.get(4)?,
            success_count: r.get(5)?,
            failure_count: r.get(6)?,
            sum_us: r.get(7)?,
            min_us: r.get(8)?,
            max_us: r.get(9)?,
            histogram: Histogram::decode(&r.get::<_, String>(10)?),
        },
    })
}

pub(crate) fn log_insert(conn: &Connection, e: &NewLogEntry) -> TxResult<i64> {
    conn.prepare_cached(LOG_INSERT)?.execute(params![
        e.job_id,
        e.task_name,
        e.level,
        e.message,
        e.extra,
        e.logged_at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn log_list_job(conn: &Connection, job_id: &str) -> TxResult<Vec<LogEntry>> {
    Ok(conn
        .prepare_cached(LOG_LIST_JOB)?
        .query_map([job_id], log_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn log_query(conn: &Connection, f: &LogFilter) -> TxResult<Vec<LogEntry>> {
    Ok(conn
        .prepare_cached(LOG_QUERY)?
        .query_map(
            params![f.since, f.task_name, f.level, rows::sql_limit(f.limit)],
            log_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn log_purge(conn: &Connection, before: i64) -> TxResult<u64> {
    Ok(conn.prepare_cached(LOG_PURGE)?.execute([before])? as u64)
}

pub(crate) fn metric_upsert_many(conn: &Connection, rollups: &[MetricRollup]) -> TxResult<()> {
    let mut stmt = conn.prepare_cached(METRIC_UPSERT)?;
    for m in rollups {
        let t = &m.tally;
        stmt.execute(params![
            m.worker_id,
            m.task_name,
            m.bucket_start,
            m.last_at,
            t.count,
            t.success_count,
            t.failure_count,
            t.sum_us,
            t.min_us,
            t.max_us,
            t.histogram.encode()
        ])?;
    }
    Ok(())
}

pub(crate) fn metric_list(
    conn: &Connection,
    since: i64,
    task_name: Option<&str>,
) -> TxResult<Vec<MetricRollup>> {
    Ok(conn
        .prepare_cached(METRIC_LIST)?
        .query_map(params![since, task_name], rollup_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn metric_purge(conn: &Connection, before: i64) -> TxResult<u64> {
    Ok(conn.prepare_cached(METRIC_PURGE)?.execute([before])? as u64)
}
