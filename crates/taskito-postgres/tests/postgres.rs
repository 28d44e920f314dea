//! What only PostgreSQL has to show: claims from many stores at once, schema
//! names, concurrent migrations, NOTIFY latency and reconnects, lost
//! connections and lost commits, the claim's plan. Skipped with the reason
//! printed when no server is reachable; see `support::run`.

mod support;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use taskito_core::{ClaimRequest, Error, Job, JobState, NewJob, Outcome, Store};
use taskito_postgres::{PostgresOptions, PostgresStore, CLAIM_SQL};

use support::proxy::Proxy;
use support::{Body, TestSchema};

const T0: i64 = 1_700_000_000_000;

fn jobs(queue: &str, n: usize) -> Vec<NewJob> {
    (0..n)
        .map(|i| NewJob::new(queue, "t", format!("job {i}").into_bytes(), T0))
        .collect()
}

fn claim(store: &dyn Store, worker: &str, limit: u32) -> Vec<Job> {
    store
        .job_claim(&ClaimRequest {
            worker_id: worker.to_owned(),
            queues: vec!["q".to_owned()],
            limit,
            now: T0,
            lease_ms: 30_000,
        })
        .expect("job_claim")
}

fn complete_all(store: &dyn Store, claimed: &[Job]) {
    let outcomes: Vec<Outcome> = claimed
        .iter()
        .map(|j| Outcome::Complete {
            job_id: j.id.clone(),
            attempt: j.attempt,
            result: None,
        })
        .collect();
    let report = store.job_finish_many(&outcomes, T0 + 1).expect("finish");
    assert_eq!(report.applied, claimed.len());
}

/// C1: four stores (separate pools, as four processes), two claiming threads
/// each, drain 5,000 jobs: every job runs exactly once.
fn four_stores_claim_each_job_exactly_once() {
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

/// S4: a schema name outside the identifier pattern is refused before any
/// connection is made (the URL points at a port nobody listens on).
fn schema_names_are_checked_before_any_sql() {
    let closed = closed_port();
    let nowhere = format!("postgresql://postgres@127.0.0.1:{closed}/test");
    for bad in [
        "'; DROP TABLE jobs;--",
        "a\"b",
        "1abc",
        "",
        "tâche",
        &"x".repeat(64),
    ] {
        let started = Instant::now();
        let options = PostgresOptions {
            schema: Some(bad.to_owned()),
            ..PostgresOptions::default()
        };
        let err = PostgresStore::connect(&nowhere, options).expect_err("refused");
        assert!(
            matches!(&err, Error::InvalidInput(m) if m.contains("schema name")),
            "{bad:?}: {err}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(50),
            "no connection attempt"
        );
    }
    // A valid name with upper case is kept as is (quoted), on the real server.
    let schema = TestSchema {
        name: format!("Mixed_{:08x}", fastrand::u32(..)),
    };
    let store = schema.open();
    store.job_insert_many(&jobs("q", 1)).expect("insert");
    let mut admin = support::admin();
    let n: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
            &[&schema.name],
        )
        .expect("query")
        .get(0);
    assert_eq!(n, 1, "the schema is created with its exact name");
}

/// Eight stores connecting to a fresh schema at once: all succeed, each
/// migration is applied once.
fn migrations_are_safe_when_eight_stores_start_at_once() {
    let schema = TestSchema::new();
    let barrier = Barrier::new(8);
    let stores: Vec<PostgresStore> = thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    schema.open()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("connect"))
            .collect()
    });
    let mut admin = schema.admin();
    let versions: Vec<i32> = admin
        .query(
            "SELECT version FROM taskito_migrations ORDER BY version",
            &[],
        )
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, vec![1]);
    let ids = stores[3].job_insert_many(&jobs("q", 3)).expect("insert");
    assert_eq!(claim(&stores[6], "w", 10).len(), ids.len());
}

/// Polls `store`'s change marker until it differs from `before`.
fn wait_for_marker(store: &dyn Store, before: u64, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if store.change_marker().expect("marker") != before {
            return Some(started.elapsed());
        }
        thread::sleep(Duration::from_micros(200));
    }
    None
}

/// N3 (latency): another store's insert moves the marker within ~100 ms.
fn change_marker_moves_soon_after_another_stores_insert() {
    let schema = TestSchema::new();
    let (a, b) = (schema.open(), schema.open());
    let mut delays = Vec::new();
    for _ in 0..20 {
        let before = a.change_marker().expect("marker");
        let started = Instant::now();
        b.job_insert_many(&jobs("q", 1)).expect("insert");
        let seen = wait_for_marker(&a, before, Duration::from_secs(5)).expect("marker moved");
        delays.push(started.elapsed().max(seen));
    }
    delays.sort();
    eprintln!(
        "FIGURE notify_latency_ms p50={:.2} max={:.2}",
        delays[10].as_secs_f64() * 1e3,
        delays[19].as_secs_f64() * 1e3
    );
    assert!(delays[10] < Duration::from_millis(100), "{delays:?}");
    assert!(delays[19] < Duration::from_millis(1_000), "{delays:?}");
}

fn unique_app() -> String {
    format!("tk_{:08x}", fastrand::u32(..))
}

/// Terminates the backends whose application_name is `app`; returns how many.
fn kill_backends(app: &str) -> i64 {
    let mut admin = support::admin();
    let rows = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .expect("terminate");
    i64::try_from(rows.len()).expect("count")
}

fn backends(app: &str) -> i64 {
    support::admin()
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .expect("count")
        .get(0)
}

/// N3 (reconnect): after the listener's backend is killed, the marker moves
/// once the listener is back, and then again on the next insert elsewhere.
fn listener_reconnects_after_its_backend_is_killed() {
    let schema = TestSchema::new();
    let app = unique_app();
    let a = PostgresStore::connect(
        &support::url(),
        PostgresOptions {
            application_name: app.clone(),
            ..schema.options()
        },
    )
    .expect("connect");
    let b = schema.open();
    let listener = format!("{app} listener");
    let before = a.change_marker().expect("marker");
    assert_eq!(kill_backends(&listener), 1, "one listener backend");
    wait_for_marker(&a, before, Duration::from_secs(10)).expect("bumped after reconnecting");
    assert_eq!(backends(&listener), 1, "listening again");
    let before = a.change_marker().expect("marker");
    b.job_insert_many(&jobs("q", 1)).expect("insert");
    wait_for_marker(&a, before, Duration::from_secs(2)).expect("notified after reconnecting");
}

/// Calls made after every pooled connection was terminated (and while the
/// listener was too) succeed on fresh connections.
fn calls_succeed_after_pool_connections_are_killed() {
    let schema = TestSchema::new();
    let app = unique_app();
    let store = PostgresStore::connect(
        &support::url(),
        PostgresOptions {
            application_name: app.clone(),
            ..schema.options()
        },
    )
    .expect("connect");
    let ids = store.job_insert_many(&jobs("q", 5)).expect("insert");
    assert!(kill_backends(&app) >= 1, "pool backends killed");
    kill_backends(&format!("{app} listener"));
    assert_eq!(
        store
            .job_get(&ids[0])
            .expect("get after kill")
            .map(|j| j.id),
        Some(ids[0].clone())
    );
    kill_backends(&app);
    let claimed = claim(&store, "w", 10);
    assert_eq!(claimed.len(), 5);
    kill_backends(&app);
    complete_all(&store, &claimed);
    assert_eq!(store.job_stats().expect("stats").complete, 5);
}

/// The claim walks the partial index of pending jobs, with the parameters
/// bound (custom plan) and as a generic plan, on a table where most rows are
/// finished.
fn claim_uses_the_partial_index_of_pending_jobs() {
    let schema = TestSchema::new();
    let store = schema.open();
    for batch in jobs("q", 3_000).chunks(1_000) {
        store.job_insert_many(batch).expect("insert");
    }
    let claimed = claim(&store, "w", 2_900);
    complete_all(&store, &claimed);
    let mut admin = schema.admin();
    admin.batch_execute("ANALYZE jobs").expect("analyze");
    let queues = vec!["q".to_owned()];
    let explain = format!("EXPLAIN {CLAIM_SQL}");
    for mode in ["auto", "force_generic_plan"] {
        admin
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .expect("plan mode");
        let plan: Vec<String> = admin
            .query(
                explain.as_str(),
                &[&"w", &(T0 + 30_000), &T0, &queues, &32_i64, &"token"],
            )
            .expect("explain")
            .iter()
            .map(|r| r.get(0))
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
    }
}

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A server that never answers: the call fails after the budget with the
/// host and port, and without the URL's password.
fn unreachable_server_fails_after_the_budget_without_the_password() {
    let port = closed_port();
    let url = format!("postgresql://taskito:s3cret-pw@127.0.0.1:{port}/test");
    let started = Instant::now();
    let err = PostgresStore::connect(
        &url,
        PostgresOptions {
            reconnect_budget_ms: 500,
            ..PostgresOptions::default()
        },
    )
    .expect_err("nobody listens");
    let waited = started.elapsed();
    let message = err.to_string();
    assert!(matches!(err, Error::Storage(_)), "{message}");
    assert!(
        message.contains(&format!("cannot reach PostgreSQL at 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

/// The server of the test URL, and a key-value URL reaching it through `proxy`.
fn through(proxy: &Proxy) -> String {
    let config: postgres::Config = support::url().parse().expect("url");
    let mut url = format!("host=127.0.0.1 port={}", proxy.port);
    if let Some(user) = config.get_user() {
        url.push_str(&format!(" user={user}"));
    }
    if let Some(db) = config.get_dbname() {
        url.push_str(&format!(" dbname={db}"));
    }
    if let Some(pw) = config.get_password() {
        url.push_str(&format!(" password={}", String::from_utf8_lossy(pw)));
    }
    url
}

fn upstream() -> SocketAddr {
    let config: postgres::Config = support::url().parse().expect("url");
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) if h != "localhost" => h.clone(),
        _ => "127.0.0.1".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}")
        .parse()
        .expect("a TCP address for the test server")
}

/// A store of `schema` reached through a fresh proxy.
fn proxied(schema: &TestSchema) -> (Proxy, PostgresStore) {
    let proxy = Proxy::start(upstream());
    let store =
        PostgresStore::connect(&through(&proxy), schema.options()).expect("connect via proxy");
    (proxy, store)
}

/// R2/N3: every connection is cut and new ones are refused for a second; a
/// call made meanwhile waits it out and succeeds, and the marker still works.
fn a_call_waits_out_a_short_outage() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();
    proxy.refuse(true);
    proxy.cut_all();
    let proxy = Arc::new(proxy);
    let healer = Arc::clone(&proxy);
    let heal = thread::spawn(move || {
        thread::sleep(Duration::from_secs(1));
        healer.refuse(false);
    });
    let started = Instant::now();
    let ids = store
        .job_insert_many(&jobs("q", 3))
        .expect("insert during the outage");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it waited for the outage"
    );
    heal.join().expect("healer");
    assert_eq!(direct.job_stats().expect("stats").pending, 3);
    assert_eq!(
        store.job_get(&ids[2]).expect("get").map(|j| j.status),
        Some(JobState::Pending)
    );
    // The listener came back too: another store's insert moves the marker.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let before = store.change_marker().expect("marker");
        direct.job_insert_many(&jobs("q", 1)).expect("insert");
        if wait_for_marker(&store, before, Duration::from_millis(500)).is_some() {
            break;
        }
        assert!(Instant::now() < deadline, "the listener never came back");
    }
}

/// N2: the connection drops after COMMIT was sent. A claim returns the jobs
/// its lost commit claimed (not other ones, and none twice).
fn a_claim_whose_commit_was_lost_returns_what_it_claimed() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();
    let ids = direct.job_insert_many(&jobs("q", 5)).expect("insert");
    proxy.cut_after_next_commit();
    let claimed = claim(&store, "w", 3);
    assert_eq!(proxy.commits_cut(), 1, "the commit was cut");
    assert_eq!(claimed.len(), 3);
    for job in &claimed {
        assert_eq!((job.status, job.attempt), (JobState::Running, 1));
        assert_eq!(direct.job_get(&job.id).expect("get").as_ref(), Some(job));
    }
    assert_eq!(
        direct.job_stats().expect("stats").running,
        3,
        "claimed once"
    );
    let rest = claim(&direct, "w2", 10);
    let all: HashSet<String> = claimed.iter().chain(&rest).map(|j| j.id.clone()).collect();
    assert_eq!(all, ids.into_iter().collect::<HashSet<_>>());
}

/// N2 for inserts, replays and dead-letter retries: one row each, the ids the
/// lost commit wrote.
fn writes_whose_commit_was_lost_are_not_repeated() {
    let schema = TestSchema::new();
    let (proxy, store) = proxied(&schema);
    let direct = schema.open();

    let batch = jobs("q", 4);
    proxy.cut_after_next_commit();
    let ids = store.job_insert_many(&batch).expect("insert");
    assert_eq!(proxy.commits_cut(), 1);
    assert_eq!(ids, batch.iter().map(|j| j.id.clone()).collect::<Vec<_>>());
    assert_eq!(direct.job_stats().expect("stats").pending, 4);

    let job = claim(&direct, "w", 1).remove(0);
    let dead = Outcome::Dead {
        job_id: job.id.clone(),
        attempt: job.attempt,
        error: "boom".into(),
    };
    proxy.cut_after_next_commit();
    let report = store.job_finish_many(&[dead], T0 + 1).expect("finish");
    assert_eq!(proxy.commits_cut(), 2);
    assert_eq!(report.applied + report.fenced, 1, "{report:?}");
    assert_eq!(
        direct.dead_list(0, 0).expect("dead").len(),
        1,
        "dead-lettered once"
    );

    proxy.cut_after_next_commit();
    let copy = store.job_replay(&job.id, T0 + 2).expect("replay");
    assert_eq!(proxy.commits_cut(), 3);
    assert_eq!(direct.replay_history(&job.id).expect("history").len(), 1);
    assert_eq!(
        direct.job_get(&copy).expect("get").map(|j| j.status),
        Some(JobState::Pending)
    );

    let letter = direct.dead_list(0, 0).expect("dead").remove(0);
    proxy.cut_after_next_commit();
    let retried = store.dead_retry(&letter.id, T0 + 3).expect("dead_retry");
    assert_eq!(proxy.commits_cut(), 4);
    assert!(direct.job_get(&retried).expect("get").is_some());
    assert!(direct.dead_list(0, 0).expect("dead").is_empty());
    assert_eq!(direct.job_stats().expect("stats").pending, 3 + 1 + 1);
}

/// Read-only transactions (a standby, or `default_transaction_read_only`)
/// report `ReadOnly`, on a schema that exists and on one to be created.
fn read_only_connections_report_read_only() {
    let schema = TestSchema::new();
    drop(schema.open());
    let read_only = format!(
        "{} options='-c default_transaction_read_only=on'",
        through_direct()
    );
    let store = PostgresStore::connect(&read_only, schema.options()).expect("connect read-only");
    assert!(store.job_get("x").expect("reads work").is_none());
    let err = store.job_insert_many(&jobs("q", 1)).expect_err("read-only");
    assert!(matches!(err, Error::ReadOnly(_)), "{err}");
    let fresh = TestSchema::new();
    let err = PostgresStore::connect(&read_only, fresh.options()).expect_err("cannot migrate");
    assert!(matches!(err, Error::ReadOnly(_)), "{err}");
}

/// The test server as a key-value URL (to which options can be appended).
fn through_direct() -> String {
    let config: postgres::Config = support::url().parse().expect("url");
    let addr = upstream();
    let mut url = format!("host={} port={}", addr.ip(), addr.port());
    if let Some(user) = config.get_user() {
        url.push_str(&format!(" user={user}"));
    }
    if let Some(db) = config.get_dbname() {
        url.push_str(&format!(" dbname={db}"));
    }
    if let Some(pw) = config.get_password() {
        url.push_str(&format!(" password={}", String::from_utf8_lossy(pw)));
    }
    url
}

/// Throughput with four stores, as four worker processes would claim:
/// `cargo test -p taskito-postgres --release --test postgres -- --ignored perf`
fn perf_claims_per_second_with_four_stores() {
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
        "FIGURE pg_claim_complete_4_stores_jobs_per_s {:.0}",
        rate(JOBS, drain)
    );
    assert_eq!(stores[0].job_stats().expect("stats").complete, JOBS as u64);
}

fn main() {
    let tests: Vec<(&str, fn(), bool)> = vec![
        (
            "four_stores_claim_each_job_exactly_once",
            four_stores_claim_each_job_exactly_once,
            false,
        ),
        (
            "schema_names_are_checked_before_any_sql",
            schema_names_are_checked_before_any_sql,
            false,
        ),
        (
            "migrations_are_safe_when_eight_stores_start_at_once",
            migrations_are_safe_when_eight_stores_start_at_once,
            false,
        ),
        (
            "change_marker_moves_soon_after_another_stores_insert",
            change_marker_moves_soon_after_another_stores_insert,
            false,
        ),
        (
            "listener_reconnects_after_its_backend_is_killed",
            listener_reconnects_after_its_backend_is_killed,
            false,
        ),
        (
            "calls_succeed_after_pool_connections_are_killed",
            calls_succeed_after_pool_connections_are_killed,
            false,
        ),
        (
            "claim_uses_the_partial_index_of_pending_jobs",
            claim_uses_the_partial_index_of_pending_jobs,
            false,
        ),
        (
            "unreachable_server_fails_after_the_budget_without_the_password",
            unreachable_server_fails_after_the_budget_without_the_password,
            false,
        ),
        (
            "a_call_waits_out_a_short_outage",
            a_call_waits_out_a_short_outage,
            false,
        ),
        (
            "a_claim_whose_commit_was_lost_returns_what_it_claimed",
            a_claim_whose_commit_was_lost_returns_what_it_claimed,
            false,
        ),
        (
            "writes_whose_commit_was_lost_are_not_repeated",
            writes_whose_commit_was_lost_are_not_repeated,
            false,
        ),
        (
            "read_only_connections_report_read_only",
            read_only_connections_report_read_only,
            false,
        ),
        (
            "perf_claims_per_second_with_four_stores",
            perf_claims_per_second_with_four_stores,
            true,
        ),
    ];
    support::run(
        tests
            .into_iter()
            .map(|(name, f, ignored)| (name.to_owned(), Box::new(f) as Body, ignored))
            .collect(),
    );
}
