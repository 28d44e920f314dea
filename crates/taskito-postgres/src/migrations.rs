//! Schema versions, applied at connect and recorded in `taskito_migrations`.

use taskito_core::{Error, Result};

use crate::connection::TxError;
use crate::pool::{Failed, Pool};

/// Every schema step in order; the version of a step is its position + 1.
/// Never edit a step that has shipped: schemas already past it would not see
/// the change. Add a new file instead.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../migrations/0001_init.sql")),
    (
        "0002_dependencies",
        include_str!("../migrations/0002_dependencies.sql"),
    ),
    (
        "0003_periodic",
        include_str!("../migrations/0003_periodic.sql"),
    ),
    ("0004_limits", include_str!("../migrations/0004_limits.sql")),
    (
        "0005_observability",
        include_str!("../migrations/0005_observability.sql"),
    ),
    (
        "0006_dependency_purge",
        include_str!("../migrations/0006_dependency_purge.sql"),
    ),
    (
        "0007_maintenance",
        include_str!("../migrations/0007_maintenance.sql"),
    ),
    (
        "0008_job_counts",
        include_str!("../migrations/0008_job_counts.sql"),
    ),
];

const VERSION: &str = "SELECT coalesce(max(version), 0) FROM taskito_migrations";

const BOOKKEEPING: &str = include_str!("../queries/migrations_table.sql");

/// The key of the transaction-scoped advisory lock that every taskito store
/// takes while it migrates ("taskito" in ASCII). One constant for all schemas:
/// migrating is rare and short, so they may as well queue up.
const LOCK_KEY: i64 = 0x0074_6173_6b69_746f;

fn latest() -> i32 {
    i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX)
}

/// Creates the schema if it is missing and brings it to the latest version.
/// Safe when many workers start at once: all of it runs in one transaction
/// holding the advisory lock, so they take turns, and each reads the version
/// only once it holds the lock. The schema is created only when it does not
/// exist, so a role without `CREATE` on the database can use a schema made
/// for it.
pub(crate) fn apply(pool: &Pool, schema: &str) -> Result<()> {
    // The common case, already up to date, takes no lock and writes nothing
    // (so a store can also start on a read-only connection).
    let current = pool.run(|conn, _| {
        // Pooled connections search only the store's schema.
        let client = conn.client();
        let exists: bool = client
            .query_one("SELECT to_regclass('taskito_migrations') IS NOT NULL", &[])?
            .try_get(0)?;
        if !exists {
            return Ok(0);
        }
        Ok(client.query_one(VERSION, &[])?.try_get::<_, i32>(0)?)
    })?;
    if current == latest() {
        return Ok(());
    }
    pool.run(|conn, _| {
        let mut tx = conn.client().transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])?;
        let exists = tx
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])?
            .is_some();
        if !exists {
            // `schema` matched the identifier pattern before any SQL ran.
            tx.batch_execute(&format!("CREATE SCHEMA \"{schema}\""))?;
        }
        tx.batch_execute(BOOKKEEPING)?;
        let current: i32 = tx
            .query_one(VERSION, &[])?
            .try_get(0)?;
        if current > latest() || current < 0 {
            return Err(Failed::from(TxError::Fail(Error::storage(format!(
                "schema {schema:?} has taskito schema version {current}, newer than this taskito knows ({}); upgrade taskito",
                latest()
            )))));
        }
        let done = usize::try_from(current).unwrap_or(0);
        for (version, (name, sql)) in MIGRATIONS.iter().enumerate().skip(done) {
            tx.batch_execute(sql)?;
            let version = i32::try_from(version + 1).unwrap_or(i32::MAX);
            tx.execute(
                "INSERT INTO taskito_migrations (version, name) VALUES ($1, $2)",
                &[&version, name],
            )?;
        }
        tx.commit().map_err(Failed::at_commit)
    })
}
