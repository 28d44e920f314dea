//! What only PostgreSQL has to show: claims from many stores at once, schema
//! names, concurrent migrations, NOTIFY latency and reconnects, lost
//! connections and lost commits, the claim's plan. Skipped with the reason
//! printed when no server is reachable; see `support::run`.

#[path = "../support/mod.rs"]
mod support;

mod claims;
mod columns;
mod dependencies;
mod notify;
mod outages;
mod startup;
mod tls;

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use taskito_core::{ClaimRequest, Job, NewJob, Outcome, Store};
use taskito_postgres::PostgresStore;

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

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// The server of the test URL, and a key-value URL reaching it through `proxy`.
fn through(proxy: &Proxy) -> String {
    let config: postgres::Config = support::url().parse().expect("url");
    // In the clear: the proxy reads the protocol to cut after a statement.
    let mut url = format!("host=127.0.0.1 port={} sslmode=disable", proxy.port);
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

/// A store of `schema` reached through a fresh proxy.
fn proxied(schema: &TestSchema) -> (Proxy, PostgresStore) {
    let proxy = Proxy::start(upstream());
    let store =
        PostgresStore::connect(&through(&proxy), schema.options()).expect("connect via proxy");
    (proxy, store)
}

fn main() {
    let tests: Vec<(&str, fn(), bool)> = vec![
        (
            "four_stores_claim_each_job_exactly_once",
            claims::four_stores_claim_each_job_exactly_once,
            false,
        ),
        (
            "unique_keys_inserted_concurrently_map_to_one_job",
            claims::unique_keys_inserted_concurrently_map_to_one_job,
            false,
        ),
        (
            "c1_negative_control_an_unlocked_claim_duplicates_jobs",
            claims::c1_negative_control_an_unlocked_claim_duplicates_jobs,
            false,
        ),
        (
            "the_job_column_list_is_the_jobs_table",
            columns::the_job_column_list_is_the_jobs_table,
            false,
        ),
        (
            "schema_names_are_checked_before_any_sql",
            startup::schema_names_are_checked_before_any_sql,
            false,
        ),
        (
            "migrations_are_safe_when_eight_stores_start_at_once",
            startup::migrations_are_safe_when_eight_stores_start_at_once,
            false,
        ),
        (
            "change_marker_moves_soon_after_another_stores_insert",
            notify::change_marker_moves_soon_after_another_stores_insert,
            false,
        ),
        (
            "a_store_dropped_after_a_write_still_notifies",
            notify::a_store_dropped_after_a_write_still_notifies,
            false,
        ),
        (
            "listener_reconnects_after_its_backend_is_killed",
            notify::listener_reconnects_after_its_backend_is_killed,
            false,
        ),
        (
            "calls_succeed_after_pool_connections_are_killed",
            notify::calls_succeed_after_pool_connections_are_killed,
            false,
        ),
        (
            "claim_uses_the_partial_index_of_pending_jobs",
            claims::claim_uses_the_partial_index_of_pending_jobs,
            false,
        ),
        (
            "unreachable_server_fails_after_the_budget_without_the_password",
            outages::unreachable_server_fails_after_the_budget_without_the_password,
            false,
        ),
        (
            "a_call_waits_out_a_short_outage",
            outages::a_call_waits_out_a_short_outage,
            false,
        ),
        (
            "a_claim_whose_commit_was_lost_returns_what_it_claimed",
            outages::a_claim_whose_commit_was_lost_returns_what_it_claimed,
            false,
        ),
        (
            "writes_whose_commit_was_lost_are_not_repeated",
            outages::writes_whose_commit_was_lost_are_not_repeated,
            false,
        ),
        (
            "the_store_works_inside_a_tokio_runtime",
            startup::the_store_works_inside_a_tokio_runtime,
            false,
        ),
        (
            "the_server_clock_follows_the_database",
            startup::the_server_clock_follows_the_database,
            false,
        ),
        (
            "read_only_connections_report_read_only",
            startup::read_only_connections_report_read_only,
            false,
        ),
        (
            "sslmode_require_encrypts_the_connections",
            tls::sslmode_require_encrypts_the_connections,
            false,
        ),
        (
            "sslmode_verify_full_refuses_an_untrusted_certificate",
            tls::sslmode_verify_full_refuses_an_untrusted_certificate,
            false,
        ),
        (
            "sslmode_verify_ca_trusts_the_given_root",
            tls::sslmode_verify_ca_trusts_the_given_root,
            false,
        ),
        (
            "bad_tls_settings_are_refused",
            tls::bad_tls_settings_are_refused,
            false,
        ),
        (
            "completion_releases_dependents_through_indexes_only",
            dependencies::completion_releases_dependents_through_indexes_only,
            false,
        ),
        (
            "dependents_inserted_while_their_dependency_completes_are_released",
            dependencies::dependents_inserted_while_their_dependency_completes_are_released,
            false,
        ),
        (
            "expiry_and_its_cascade_commit_together",
            dependencies::expiry_and_its_cascade_commit_together,
            false,
        ),
        (
            "perf_claims_per_second_with_four_stores",
            claims::perf_claims_per_second_with_four_stores,
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
