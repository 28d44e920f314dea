//! The one place where PostgreSQL and driver errors become
//! [`taskito_core::Error`]s, and where it is decided which failures are worth
//! another try on a fresh connection.

use std::error::Error as _;
use std::fmt;

use postgres::error::SqlState;
use taskito_core::{Cause, Error};

/// What a failed call should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// The connection or the server went away (or is not there yet): retry on
    /// a fresh connection, with backoff, within the reconnect budget.
    Lost,
    /// The transaction was rolled back by the server to break a deadlock or a
    /// serialization conflict: run it again at once.
    Transient,
    /// Anything else: report it.
    Fatal,
}

pub(crate) fn classify(e: &postgres::Error) -> Class {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        return if code.code().starts_with("08")
            || [
                SqlState::ADMIN_SHUTDOWN,
                SqlState::CRASH_SHUTDOWN,
                SqlState::CANNOT_CONNECT_NOW,
                SqlState::TOO_MANY_CONNECTIONS,
            ]
            .contains(code)
        {
            Class::Lost
        } else if *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
        {
            Class::Transient
        } else {
            Class::Fatal
        };
    }
    if is_tls_refusal(e) {
        return Class::Fatal;
    }
    let io = e
        .source()
        .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
    // The driver's own timeout has no public kind; its message is stable.
    if e.is_closed() || io || e.to_string() == "timeout waiting for server" {
        Class::Lost
    } else {
        Class::Fatal
    }
}

/// A TLS handshake that failed on its merits (untrusted or misnamed
/// certificate, no common protocol): the driver reports it as an I/O error,
/// but trying again would fail the same way.
fn is_tls_refusal(e: &postgres::Error) -> bool {
    let mut cause = e.source();
    while let Some(c) = cause {
        if c.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        cause = match c.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    false
}

/// True for a unique violation of the jobs' primary key (a job id used twice).
pub(crate) fn is_duplicate_job_id(e: &postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| {
        *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("jobs_pkey")
    })
}

/// Where the store connects, as `host:port` (never the user or password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target(String);

impl Target {
    pub(crate) fn of(config: &postgres::Config) -> Self {
        let ports = config.get_ports();
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let port = ports
                    .get(i)
                    .or_else(|| ports.first())
                    .copied()
                    .unwrap_or(5432);
                match host {
                    postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                    postgres::config::Host::Unix(dir) => format!("{}:{port}", dir.display()),
                }
            })
            .collect();
        if hosts.is_empty() {
            Target("localhost:5432".to_owned())
        } else {
            Target(hosts.join(","))
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The driver's message with its causes (the driver's own top line is often
/// just "db error" or "error connecting to server").
pub(crate) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} (SQLSTATE {})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A failure that retrying will not fix; `e` becomes the error's
/// [`std::error::Error::source`].
pub(crate) fn to_core(e: postgres::Error, target: &Target) -> Error {
    let detail = format!("PostgreSQL at {target}: {}", describe(&e));
    let kind: fn(String, Option<Cause>) -> Error = match e.code() {
        Some(code) if *code == SqlState::DISK_FULL => Error::StorageFull,
        Some(code) if *code == SqlState::READ_ONLY_SQL_TRANSACTION => Error::ReadOnly,
        _ => Error::Storage,
    };
    kind(detail, Some(Box::new(e)))
}

/// The server stayed out of reach for the whole reconnect budget; the last
/// failure is the error's source.
pub(crate) fn unreachable(e: postgres::Error, target: &Target, waited_ms: u128) -> Error {
    let message = format!(
        "cannot reach PostgreSQL at {target}: {} (retried for {waited_ms} ms)",
        describe(&e)
    );
    Error::Unavailable(message, Some(Box::new(e)))
}

/// An invalid connection URL. The driver's parse errors name the option, never
/// its value, so a password cannot leak through them.
pub(crate) fn bad_url(e: &postgres::Error) -> Error {
    Error::InvalidInput(format!("invalid PostgreSQL URL: {}", describe(e)))
}
