//! The query plans the schema was designed for: the hot statements walk their
//! index and never sort or scan the whole table.

use rusqlite::Connection;
use taskito_sqlite::{splice_job_columns, SqliteOptions, SqliteStore};

fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("explain");
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let rows = stmt
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .expect("plan rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("plan");
    rows.join("\n")
}

fn schema() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plans.db");
    drop(SqliteStore::open(&path, SqliteOptions::default()).expect("open"));
    let conn = Connection::open(&path).expect("raw connection");
    (dir, conn)
}

/// Asserts that `sql` uses `index` and neither sorts into a temp b-tree nor
/// scans a whole table.
fn assert_served_by(conn: &Connection, sql: &str, index: &str) {
    let plan = plan(conn, sql);
    assert!(
        plan.contains(&format!("INDEX {index}")),
        "expected {index} in:\n{plan}\nfor {sql}"
    );
    assert!(
        !plan.contains("TEMP B-TREE"),
        "sorts in a temp b-tree:\n{plan}\nfor {sql}"
    );
    for line in plan.lines() {
        let full_scan =
            line.starts_with("SCAN") && !line.contains("INDEX") && !line.contains("VIRTUAL TABLE");
        assert!(!full_scan, "scans a whole table:\n{plan}\nfor {sql}");
    }
}

/// The claim walks the partial index of pending jobs in claim order and stops
/// at LIMIT: no sort of all pending rows, no look at finished ones.
#[test]
fn claim_walks_the_partial_ready_index() {
    let (_dir, conn) = schema();
    let claim = splice_job_columns(include_str!("../queries/job_claim.sql"));
    assert_served_by(&conn, &claim, "jobs_ready");
    // Covering: choosing the rows reads no table row, even for the ready jobs
    // of other queues that it skips.
    assert!(plan(&conn, &claim).contains("SCAN jobs USING COVERING INDEX jobs_ready"));
    assert_served_by(
        &conn,
        include_str!("../queries/job_expire.sql"),
        "jobs_pending_expiry",
    );
}

#[test]
fn leases_are_found_through_the_running_index() {
    let (_dir, conn) = schema();
    assert_served_by(
        &conn,
        include_str!("../queries/job_crash_expired.sql"),
        "jobs_leases",
    );
    let owner = include_str!("../queries/job_crash_owner.sql");
    assert_served_by(&conn, owner, "jobs_leases");
    // A search by owner, not a walk of every running job.
    let p = plan(&conn, owner);
    assert!(
        p.starts_with("SEARCH jobs USING") && p.contains("INDEX jobs_leases (lease_owner=?)"),
        "{p}"
    );
    let extend = include_str!("../queries/lease_extend.sql");
    assert_served_by(&conn, extend, "jobs_leases");
    assert!(plan(&conn, extend).contains("SEARCH jobs USING INDEX jobs_leases (lease_owner=?"));
}

#[test]
fn outcomes_find_their_job_by_id() {
    let (_dir, conn) = schema();
    for sql in [
        include_str!("../queries/finish_complete.sql"),
        include_str!("../queries/finish_retry.sql"),
        include_str!("../queries/finish_dead.sql"),
        include_str!("../queries/finish_release.sql"),
        include_str!("../queries/finish_cancelled.sql"),
        include_str!("../queries/job_request_cancel.sql"),
        include_str!("../queries/job_set_progress.sql"),
        include_str!("../queries/job_replay.sql"),
    ] {
        assert_served_by(&conn, sql, "sqlite_autoindex_jobs_1");
    }
}

#[test]
fn listing_counting_and_purging_use_their_indexes() {
    let (_dir, conn) = schema();
    assert_served_by(
        &conn,
        &splice_job_columns(include_str!("../queries/job_list.sql")),
        "jobs_created",
    );
    assert_served_by(
        &conn,
        &splice_job_columns(include_str!("../queries/job_list_by_status.sql")),
        "jobs_status_created",
    );
    assert_served_by(
        &conn,
        include_str!("../queries/purge_completed_errors.sql"),
        "jobs_completed_at",
    );
    assert_served_by(
        &conn,
        include_str!("../queries/purge_completed_jobs.sql"),
        "jobs_completed_at",
    );
    assert_served_by(
        &conn,
        include_str!("../queries/dead_list.sql"),
        "dead_letters_failed_at",
    );
    assert_served_by(
        &conn,
        include_str!("../queries/job_live_by_key.sql"),
        "jobs_unique_live",
    );
}

/// Only completed jobs whose result TTL has run out are visited: a range of
/// the expression index, not every completed job.
#[test]
fn expired_results_are_found_through_their_expiry_index() {
    let (_dir, conn) = schema();
    for sql in [
        include_str!("../queries/purge_expired_results_errors.sql"),
        include_str!("../queries/purge_expired_results_jobs.sql"),
    ] {
        assert_served_by(&conn, sql, "jobs_result_expiry");
        assert!(
            plan(&conn, sql).contains("SEARCH jobs USING INDEX jobs_result_expiry (<expr><?)"),
            "a range search on the expiry:\n{}",
            plan(&conn, sql)
        );
    }
}

#[test]
fn replay_history_walks_its_index_in_order() {
    let (_dir, conn) = schema();
    let history = include_str!("../queries/replay_history.sql");
    assert_served_by(&conn, history, "replay_history_original");
    assert!(plan(&conn, history)
        .contains("SEARCH h USING INDEX replay_history_original (original_job_id=?)"));
}
