//! Which store a queue uses: the SQLite file by default, PostgreSQL when a URL
//! is given. Each comes with the clock its workers must share.

use std::sync::Arc;

use taskito_core::{Clock, Result, Store, SystemClock};
use taskito_postgres::{PostgresOptions, PostgresStore};
use taskito_sqlite::{SqliteOptions, SqliteStore};

pub(crate) struct Backend {
    pub(crate) store: Arc<dyn Store>,
    /// SQLite: this machine's clock (every process shares it). PostgreSQL: the
    /// server's, so that workers on several hosts lease and rescue by one clock.
    pub(crate) clock: Arc<dyn Clock>,
    /// What to show users: the file path, or the URL without its password.
    pub(crate) location: String,
}

pub(crate) fn open_sqlite(path: &str, durable: bool) -> Result<Backend> {
    let options = SqliteOptions {
        durable,
        ..SqliteOptions::default()
    };
    Ok(Backend {
        store: Arc::new(SqliteStore::open(path, options)?),
        clock: Arc::new(SystemClock),
        location: path.to_owned(),
    })
}

pub(crate) fn open_postgres(url: &str, schema: Option<String>) -> Result<Backend> {
    let options = PostgresOptions {
        schema,
        ..PostgresOptions::default()
    };
    let store = PostgresStore::connect(url, options)?;
    let clock = Arc::new(store.server_clock());
    Ok(Backend {
        store: Arc::new(store),
        clock,
        location: without_password(url),
    })
}

/// `postgresql://user:secret@host/db` -> `postgresql://user@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn passwords_never_reach_the_location() {
        assert_eq!(
            without_password("postgresql://ann:s3cret@db:5432/app"),
            "postgresql://ann@db:5432/app"
        );
        assert_eq!(
            without_password("postgresql://db/app"),
            "postgresql://db/app"
        );
    }
}
