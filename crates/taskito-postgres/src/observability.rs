//! Job logs and task metric rollups.

use postgres::Row;
use taskito_core::{Error, Histogram, LogEntry, LogFilter, MetricRollup, MetricTally, NewLogEntry};

use crate::connection::{Conn, Tx, TxError, TxResult};
use crate::rows;

const LOG_INSERT: &str = include_str!("../queries/log_insert.sql");
const LOG_LIST_JOB: &str = include_str!("../queries/log_list_job.sql");
const LOG_QUERY: &str = include_str!("../queries/log_query.sql");
const LOG_PURGE: &str = "DELETE FROM job_logs WHERE logged_at < $1";
const METRIC_UPSERT: &str = include_str!("../queries/metric_upsert.sql");
const METRIC_LIST: &str = include_str!("../queries/metric_list.sql");
const METRIC_PURGE: &str = "DELETE FROM task_metrics WHERE last_at < $1";

fn log_entry(r: &Row) -> TxResult<LogEntry> {
    Ok(LogEntry {
        id: r.try_get(0)?,
        job_id: r.try_get(1)?,
        task_name: r.try_get(2)?,
        level: r.try_get(3)?,
        message: r.try_get(4)?,
        extra: r.try_get(5)?,
        logged_at: r.try_get(6)?,
    })
}

fn rollup(r: &Row) -> TxResult<MetricRollup> {
    Ok(MetricRollup {
        worker_id: r.try_get(0)?,
        task_name: r.try_get(1)?,
        bucket_start: r.try_get(2)?,
        last_at: r.try_get(3)?,
        tally: MetricTally {
            count: r.try_get(4)?,
            success_count: r.try_get(5)?,
            failure_count: r.try_get(6)?,
            sum_us: r.try_get(7)?,
            min_us: r.try_get(8)?,
            max_us: r.try_get(9)?,
            histogram: Histogram::decode(r.try_get::<_, &str>(10)?),
        },
    })
}

pub(crate) fn log_insert(tx: &mut Tx<'_>, e: &NewLogEntry) -> TxResult<i64> {
    let row = tx.query_opt(
        LOG_INSERT,
        &[
            &e.job_id,
            &e.task_name,
            &e.level,
            &e.message,
            &e.extra,
            &e.logged_at,
        ],
    )?;
    let row = row.ok_or_else(|| TxError::Fail(Error::storage("INSERT returned no id")))?;
    Ok(row.try_get(0)?)
}

pub(crate) fn log_list_job(conn: &mut Conn, job_id: &str) -> TxResult<Vec<LogEntry>> {
    conn.query(LOG_LIST_JOB, &[&job_id])?
        .iter()
        .map(log_entry)
        .collect()
}

pub(crate) fn log_query(conn: &mut Conn, f: &LogFilter) -> TxResult<Vec<LogEntry>> {
    let limit = rows::sql_limit(f.limit);
    conn.query(LOG_QUERY, &[&f.since, &f.task_name, &f.level, &limit])?
        .iter()
        .map(log_entry)
        .collect()
}

pub(crate) fn log_purge(tx: &mut Tx<'_>, before: i64) -> TxResult<u64> {
    Ok(tx.execute(LOG_PURGE, &[&before])?)
}

pub(crate) fn metric_upsert_many(tx: &mut Tx<'_>, rollups: &[MetricRollup]) -> TxResult<()> {
    for m in rollups {
        let t = &m.tally;
        tx.execute(
            METRIC_UPSERT,
            &[
                &m.worker_id,
                &m.task_name,
                &m.bucket_start,
                &m.last_at,
                &t.count,
                &t.success_count,
                &t.failure_count,
                &t.sum_us,
                &t.min_us,
                &t.max_us,
                &t.histogram.encode(),
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn metric_list(
    conn: &mut Conn,
    since: i64,
    task_name: Option<&str>,
) -> TxResult<Vec<MetricRollup>> {
    conn.query(METRIC_LIST, &[&since, &task_name])?
        .iter()
        .map(rollup)
        .collect()
}

pub(crate) fn metric_purge(tx: &mut Tx<'_>, before: i64) -> TxResult<u64> {
    Ok(tx.execute(METRIC_PURGE, &[&before])?)
}
