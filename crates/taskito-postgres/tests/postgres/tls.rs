//! TLS: `sslmode` as libpq reads it. The local test server has TLS on with a
//! self-signed certificate (Debian's "snakeoil"), which is what `require`
//! accepts and `verify-full` must refuse.

use taskito_core::Error;
use taskito_core::InsertJobs;
use taskito_postgres::{PostgresOptions, PostgresStore};

use super::support::{self, TestSchema};
use super::{claim, jobs};

fn with_params(params: &str) -> String {
    let url = support::url();
    let glue = if url.contains('?') { '&' } else { '?' };
    format!("{url}{glue}{params}")
}

fn quick(schema: &TestSchema) -> PostgresOptions {
    PostgresOptions {
        reconnect_budget_ms: 2_000,
        ..schema.options()
    }
}

/// `sslmode=require` encrypts every connection of the store: the server's
/// `pg_stat_ssl` shows them, and jobs go in and out as usual.
pub(super) fn sslmode_require_encrypts_the_connections() {
    if !server_offers_tls() {
        eprintln!("SKIPPING: the test server does not offer TLS (ssl = off)");
        return;
    }
    let schema = TestSchema::new();
    let app = super::unique_app();
    let options = PostgresOptions {
        application_name: app.clone(),
        ..schema.options()
    };
    let store = PostgresStore::connect(&with_params("sslmode=require"), options).expect("connect");
    store.job_insert_many(&jobs("q", 2)).expect("insert");
    assert_eq!(claim(&store, "w", 10).len(), 2);
    let rows = support::admin()
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = $1",
            &[&app],
        )
        .expect("pg_stat_ssl");
    assert!(!rows.is_empty(), "no connection of the store was found");
    assert!(
        rows.iter().all(|r| r.get::<_, bool>(0)),
        "a connection of the store is not encrypted"
    );
}

/// `verify-full` checks the certificate against trusted roots: a self-signed
/// one fails, with the reason, and quickly (it is not an outage).
pub(super) fn sslmode_verify_full_refuses_an_untrusted_certificate() {
    if !server_offers_tls() {
        eprintln!("SKIPPING: the test server does not offer TLS (ssl = off)");
        return;
    }
    let schema = TestSchema::new();
    let err = PostgresStore::connect(
        &with_params("sslmode=verify-full&sslrootcert=system"),
        quick(&schema),
    )
    .expect_err("a self-signed certificate must not pass verify-full");
    let text = err.to_string();
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    // A refusal on the merits, not an outage to wait out.
    assert!(!matches!(err, Error::Unavailable(..)), "{err:?}");
}

/// With the server's own certificate as the trusted root, `verify-ca` passes
/// (the chain is good) while `verify-full` still fails: the certificate was
/// issued for the machine's name, not for 127.0.0.1.
pub(super) fn sslmode_verify_ca_trusts_the_given_root() {
    let cert = server_certificate();
    let Some(cert) = cert else {
        eprintln!("SKIPPING: the server's certificate file is not readable here");
        return;
    };
    let schema = TestSchema::new();
    let store = PostgresStore::connect(
        &with_params(&format!("sslmode=verify-ca&sslrootcert={cert}")),
        quick(&schema),
    )
    .expect("verify-ca with the server's own certificate as root");
    store.job_insert_many(&jobs("q", 1)).expect("insert");
    let err = PostgresStore::connect(
        &with_params(&format!("sslmode=verify-full&sslrootcert={cert}")),
        quick(&schema),
    )
    .expect_err("the name 127.0.0.1 is not in the certificate");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
}

fn server_certificate() -> Option<String> {
    if !server_offers_tls() {
        return None;
    }
    let row = support::admin().query_one("SHOW ssl_cert_file", &[]).ok()?;
    let path: String = row.get(0);
    std::fs::read(&path).ok().map(|_| path)
}

/// Unknown modes and unreadable root files are input errors, before any
/// connection.
pub(super) fn bad_tls_settings_are_refused() {
    let schema = TestSchema::new();
    let err = PostgresStore::connect(&with_params("sslmode=always"), quick(&schema))
        .expect_err("sslmode=always");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("sslmode=always"), "{err}");
    let err = PostgresStore::connect(
        &with_params("sslmode=verify-ca&sslrootcert=/nonexistent/root.pem"),
        quick(&schema),
    )
    .expect_err("missing root file");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/root.pem"), "{err}");
}

fn server_offers_tls() -> bool {
    let row = support::admin()
        .query_one("SHOW ssl", &[])
        .expect("SHOW ssl");
    row.get::<_, String>(0) == "on"
}
