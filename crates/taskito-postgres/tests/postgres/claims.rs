//! Claims from many stores at once, the claim's plan, and throughput.

use std::collections::HashSet;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};
use taskito_core::InsertJobs;

use taskito_core::{NewJob, Store};
use taskito_postgres::{claim_sql, PostgresStore, PLANNER_SETTINGS};

use super::support::TestSchema;
use super::{claim, complete_all, jobs, T0};

/// C1: four stores (separate pools, as four processes), two claiming threads
/// each, drain 5,000 jobs: every job runs exactly once.
pub(super) fn four_stores_claim_each_job_exactly_once() {
    let schema = TestSchema::new();
    let stores: Vec<PostgresStore> = (0..4).map(|_| schema.open()).collect();
    let inserted: Vec<String> = jobs("q", 5_000)
        .chunks(1_000)
        .flat_map(|batch| stores[0].job_insert_many(batch).expect("insert"))
        .collect();
    let per_store: Vec<Vec<String>> = thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(n, store)| {
                s.spawn(move || {
                    let got = Mutex::new(Vec::new());
                    thread::scope(|inner| {
                        for t in 0..2 {
                            let got = &got;
                            inner.spawn(move || loop {
                                let batch = claim(store, &format!("w{n}-{t}"), 16);
                                if batch.is_empty() {
                                    return;
                                }
                                complete_all(store, &batch);
                                got.lock()
                                    .expect("ids")
                                    .extend(batch.into_iter().map(|j| j.id));
                            });
                        }
                    });
                    got.into_inner().expect("ids")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("store thread"))
            .collect()
    });
    let runs: Vec<&String> = per_store.iter().flatten().collect();
    let unique: HashSet<&String> = runs.iter().copied().collect();
    assert_eq!(runs.len(), inserted.len(), "runs == jobs");
    assert_eq!(unique.len(), runs.len(), "no job ran twice");
    assert_eq!(
        unique,
        inserted.iter().collect::<HashSet<_>>(),
        "every job ran"
    );
    let shares: Vec<usize> = per_store.iter().map(Vec::len).collect();
    eprintln!("FIGURE c1_shares_per_store {shares:?}");
    assert!(
        shares.iter().all(|&n| n > 0),
        "every store took work: {shares:?}"
    );
    let stats = stores[1].job_stats().expect("stats");
    assert_eq!(
        (stats.complete, stats.pending, stats.running),
        (5_000, 0, 0)
    );
}

/// The claim walks the partial index of pending jobs in claim order (no
/// sort, no bitmap) and updates the rows it locked through the primary key,
/// as a custom and as a generic plan, on a table with finished jobs and a
/// large backlog, before any ANALYZE (the statistics of a fresh queue table
/// are the worst case): no part of it scans the table.
pub(super) fn claim_uses_the_partial_index_of_pending_jobs() {
    let schema = TestSchema::new();
    let store = schema.open();
    for batch in jobs("q", 20_000).chunks(2_000) {
        store.job_insert_many(batch).expect("insert");
    }
    let claimed = claim(&store, "w", 2_000);
    complete_all(&store, &claimed);
    let mut admin = schema.admin();
    admin
        .batch_execute(PLANNER_SETTINGS)
        .expect("the store's planner settings");
    // A named prepared statement, as the store's are: its plan is the one
    // PostgreSQL caches (generic after a few runs, or at once when forced).
    admin
        .batch_execute(&format!(
            "PREPARE claim_check(text, int8, int8, text[], int8, text, text) AS {}",
            claim_sql()
        ))
        .expect("prepare");
    let explain = format!(
        "EXPLAIN EXECUTE claim_check('w', {}, {T0}, '{{q}}', 32, 'token', 'expired')",
        T0 + 30_000
    );
    for mode in ["auto", "force_generic_plan"] {
        admin
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .expect("plan mode");
        let plan: Vec<String> = admin
            .simple_query(&explain)
            .expect("explain")
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        let plan = plan.join("\n");
        assert!(
            plan.contains("jobs_ready"),
            "{mode}: the claim must use jobs_ready:\n{plan}"
        );
        assert!(
            plan.contains("LockRows"),
            "{mode}: rows are locked:\n{plan}"
        );
        assert!(
            plan.contains("jobs_pkey") && !plan.contains("Seq Scan"),
            "{mode}: the claimed rows are updated by primary key, no table scan:\n{plan}"
        );
        assert!(
            !plan.contains("Sort") && !plan.contains("Bitmap"),
            "{mode}: jobs_ready is walked in claim order:\n{plan}"
        );
    }
}

/// Two stores insert batches sharing unique keys, in opposite orders, at the
/// same time: each key ends up with one live job and both callers are told
/// the same id for it. (Such batches can deadlock in the server, which rolls
/// one back; the store runs it again.)
pub(super) fn unique_keys_inserted_concurrently_map_to_one_job() {
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    for round in 0..10 {
        let keyed = |k: usize| NewJob {
            unique_key: Some(format!("r{round}-k{k}")),
            ..jobs("q", 1).remove(0)
        };
        let forward: Vec<NewJob> = (0..20).map(keyed).collect();
        let backward: Vec<NewJob> = (0..20).rev().map(keyed).collect();
        let (ids_a, ids_b) = thread::scope(|s| {
            let ta = s.spawn(|| a.job_insert_many(&forward).expect("insert a"));
            let tb = s.spawn(|| b.job_insert_many(&backward).expect("insert b"));
            (ta.join().expect("a"), tb.join().expect("b"))
        });
        let mut from_b = ids_b;
        from_b.reverse();
        assert_eq!(ids_a, from_b, "round {round}: both callers agree per key");
        assert_eq!(ids_a.iter().collect::<HashSet<_>>().len(), 20);
    }
    assert_eq!(a.job_stats().expect("stats").pending, 200);
}

/// The negative control of C1: the same drain with a claim that neither
/// locks nor re-checks (read ready ids, then mark them running) hands jobs out
/// twice, so the check above can see duplicates when there are any.
pub(super) fn c1_negative_control_an_unlocked_claim_duplicates_jobs() {
    let schema = TestSchema::new();
    let store = schema.open();
    for batch in jobs("q", 5_000).chunks(1_000) {
        store.job_insert_many(batch).expect("insert");
    }
    let runs: Vec<String> = thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut client = schema.admin();
                    let mut got = Vec::new();
                    loop {
                        let ids: Vec<String> = client
                            .query(
                                "SELECT id FROM jobs WHERE status = 'pending' \
                                 ORDER BY priority DESC, scheduled_at, id LIMIT 16",
                                &[],
                            )
                            .expect("select")
                            .iter()
                            .map(|r| r.get(0))
                            .collect();
                        if ids.is_empty() {
                            return got;
                        }
                        // Without an order to lock in, these updates can
                        // deadlock; such a claim just gets nothing.
                        let update = "UPDATE jobs SET status = 'running' WHERE id = ANY($1)";
                        if client.execute(update, &[&ids]).is_ok() {
                            got.extend(ids);
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("claimer"))
            .collect()
    });
    let unique: HashSet<&String> = runs.iter().collect();
    let dups = runs.len() - unique.len();
    eprintln!("FIGURE c1_negative_control_duplicate_claims {dups} (5000 jobs)");
    assert!(
        dups > 0,
        "an unlocked claim should have handed out a job twice"
    );
}

/// Throughput with four stores, as four worker processes would claim:
/// `cargo test -p taskito-postgres --release --test postgres -- --ignored perf`
pub(super) fn perf_claims_per_second_with_four_stores() {
    const JOBS: usize = 20_000;
    let schema = TestSchema::new();
    let stores: Vec<PostgresStore> = (0..4).map(|_| schema.open()).collect();
    let started = Instant::now();
    for batch in jobs("q", JOBS).chunks(1_000) {
        stores[0].job_insert_many(batch).expect("insert");
    }
    let insert = started.elapsed();
    let started = Instant::now();
    for job in jobs("single", 1_000) {
        stores[0].job_insert_many(&[job]).expect("insert");
    }
    let single = started.elapsed();
    let started = Instant::now();
    thread::scope(|s| {
        for store in &stores {
            s.spawn(move || {
                for job in jobs("four", 500) {
                    store.job_insert_many(&[job]).expect("insert");
                }
            });
        }
    });
    let four_producers = started.elapsed();
    let started = Instant::now();
    thread::scope(|s| {
        for (n, store) in stores.iter().enumerate() {
            s.spawn(move || loop {
                let batch = claim(store, &format!("w{n}"), 32);
                if batch.is_empty() {
                    return;
                }
                complete_all(store, &batch);
            });
        }
    });
    let drain = started.elapsed();
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    eprintln!(
        "FIGURE pg_insert_batched_jobs_per_s {:.0}",
        rate(JOBS, insert)
    );
    eprintln!(
        "FIGURE pg_insert_single_jobs_per_s {:.0}",
        rate(1_000, single)
    );
    eprintln!(
        "FIGURE pg_insert_single_4_producers_jobs_per_s {:.0}",
        rate(2_000, four_producers)
    );
    eprintln!(
        "FIGURE pg_claim_complete_4_stores_jobs_per_s {:.0}",
        rate(JOBS, drain)
    );
    assert_eq!(stores[0].job_stats().expect("stats").complete, JOBS as u64);
}
