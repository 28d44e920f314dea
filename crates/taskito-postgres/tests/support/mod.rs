//! What the PostgreSQL test binaries share: where the server is, a fresh
//! schema per test, and a runner that skips every test with a visible reason
//! when no server is reachable (or fails them when `TASKITO_REQUIRE_PG=1`).

#![allow(
    dead_code,
    reason = "each test binary uses its own part of this module"
)]

pub mod proxy;

use std::sync::atomic::{AtomicU64, Ordering};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use postgres::{Client, NoTls};
use taskito_postgres::{PostgresOptions, PostgresStore};

pub const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

pub fn url() -> String {
    std::env::var("TASKITO_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

pub fn admin() -> Client {
    postgres::Client::connect(&url(), NoTls).expect("connect to the test server")
}

/// A schema of its own for one test, dropped (with everything in it) when
/// this is dropped.
pub struct TestSchema {
    pub name: String,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl TestSchema {
    pub fn new() -> Self {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Self {
            name: format!("t_{}_{n}_{:08x}", std::process::id(), fastrand::u32(..)),
        }
    }

    pub fn options(&self) -> PostgresOptions {
        PostgresOptions {
            schema: Some(self.name.clone()),
            // Tests that cut connections must not wait 30 s for a dead server.
            reconnect_budget_ms: 10_000,
            ..PostgresOptions::default()
        }
    }

    pub fn open(&self) -> PostgresStore {
        PostgresStore::connect(&url(), self.options()).expect("connect a store")
    }

    /// An admin connection whose search_path is this schema.
    pub fn admin(&self) -> Client {
        let mut client = admin();
        client
            .batch_execute(&format!("SET search_path TO \"{}\"", self.name))
            .expect("set search_path");
        client
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&url(), NoTls) {
            let _ =
                client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

/// Whether the tests can run: `Err` holds why not.
fn server() -> Result<(), String> {
    let url = url();
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| format!("TASKITO_TEST_PG_URL is not a PostgreSQL URL: {e}"))?;
    config.connect_timeout(std::time::Duration::from_secs(3));
    let mut client = config.connect(NoTls).map_err(|e| {
        format!(
            "no PostgreSQL server reachable ({}); tried {}",
            chain(&e),
            redact(&url)
        )
    })?;
    client
        .simple_query("SELECT 1")
        .map(|_| ())
        .map_err(|e| format!("the PostgreSQL server does not answer: {e}"))
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub type Body = Box<dyn FnOnce() + Send>;

/// Runs `tests` (name, body, ignored-unless-asked) like `cargo test` does,
/// after checking once that the server is there. Without a server every test
/// is marked ignored (so `cargo test` and `cargo nextest` both count them as
/// skipped, not passed) and the reason is printed first; with
/// `TASKITO_REQUIRE_PG=1` they fail instead.
pub fn run(tests: Vec<(String, Body, bool)>) -> ! {
    let args = Arguments::from_args();
    let gate = server();
    let required = std::env::var("TASKITO_REQUIRE_PG").is_ok_and(|v| v == "1");
    if let Err(reason) = &gate {
        if required {
            eprintln!(
                "FAILING: {reason}, and TASKITO_REQUIRE_PG=1 requires the PostgreSQL tests to run"
            );
        } else {
            eprintln!(
                "SKIPPING every PostgreSQL test: {reason}. Start a server or set TASKITO_TEST_PG_URL (TASKITO_REQUIRE_PG=1 makes this a failure)."
            );
        }
    }
    let trials = tests
        .into_iter()
        .map(|(name, body, ignored)| {
            let outcome = gate.clone();
            Trial::ignorable_test(name, move || match outcome {
                Ok(()) => {
                    body();
                    Ok(Completion::Completed)
                }
                Err(reason) if required => Err(Failed::from(reason)),
                Err(reason) => Ok(Completion::ignored_with(reason)),
            })
            .with_ignored_flag(ignored || (gate.is_err() && !required))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit()
}
