use taskito_core::{Error, Result};

/// How a [`crate::PostgresStore`] connects and where its tables live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The schema holding taskito's tables, created if missing. `None` means
    /// [`PostgresOptions::DEFAULT_SCHEMA`] (`taskito`), so that taskito's
    /// `jobs` and `workers` tables never meet an application's own in `public`.
    /// Must match `^[A-Za-z_][A-Za-z0-9_]{0,62}$`; it is used quoted, so its
    /// case is kept (`MyQueue` is not `myqueue`).
    pub schema: Option<String>,
    /// Connections kept per store for its calls (not counting the one that
    /// listens for notifications).
    pub pool_size: usize,
    /// How long a call keeps retrying on fresh connections while the server
    /// cannot be reached before it fails with
    /// `cannot reach PostgreSQL at host:port`.
    pub reconnect_budget_ms: u64,
    /// Shown in `pg_stat_activity.application_name`; the listening connection
    /// adds ` listener`.
    pub application_name: String,
}

impl PostgresOptions {
    pub const DEFAULT_SCHEMA: &'static str = "taskito";
    pub const DEFAULT_POOL_SIZE: usize = 4;
    pub const DEFAULT_RECONNECT_BUDGET_MS: u64 = 30_000;
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            schema: None,
            pool_size: Self::DEFAULT_POOL_SIZE,
            reconnect_budget_ms: Self::DEFAULT_RECONNECT_BUDGET_MS,
            application_name: "taskito".to_owned(),
        }
    }
}

/// The schema name to use, checked before any SQL runs: it is the one piece
/// of user input that becomes SQL text (quoted, in `SET search_path` and
/// `CREATE SCHEMA`), so nothing outside the identifier pattern gets through.
pub(crate) fn schema_name(options: &PostgresOptions) -> Result<String> {
    let name = options
        .schema
        .as_deref()
        .unwrap_or(PostgresOptions::DEFAULT_SCHEMA);
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if first_ok && rest_ok && name.len() <= 63 {
        Ok(name.to_owned())
    } else {
        Err(Error::InvalidInput(format!(
            "invalid PostgreSQL schema name {name:?}: use 1 to 63 ASCII letters, digits or underscores, not starting with a digit"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::{schema_name, PostgresOptions};

    fn check(name: &str) -> bool {
        let options = PostgresOptions {
            schema: Some(name.to_owned()),
            ..PostgresOptions::default()
        };
        schema_name(&options).is_ok()
    }

    #[test]
    fn accepts_identifiers() {
        assert!(check("taskito"));
        assert!(check("_t1"));
        assert!(check("MyQueue_2"));
        assert!(check(&"a".repeat(63)));
        let default = schema_name(&PostgresOptions::default()).expect("default");
        assert_eq!(default, "taskito");
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "1abc",
            "'; DROP TABLE jobs;--",
            "a\"b",
            "a b",
            "a.b",
            "é",
            "a-b",
            &"a".repeat(64),
            &"x".repeat(10_000),
        ] {
            assert!(!check(bad), "{bad:?} must be rejected");
        }
    }
}
