//! Every Store conformance check, each on a fresh SQLite file.

use taskito_core::conformance::Backend;
use taskito_sqlite::{SqliteOptions, SqliteStore};
use tempfile::TempDir;

/// A database file in its own temp dir, deleted with it after the check.
struct TempSqlite(TempDir);

impl Backend for TempSqlite {
    type Store = SqliteStore;

    fn create() -> Self {
        TempSqlite(tempfile::tempdir().expect("temp dir"))
    }

    fn open(&self) -> SqliteStore {
        SqliteStore::open(self.0.path().join("taskito.db"), SqliteOptions::default())
            .expect("open store")
    }
}

taskito_core::store_conformance_tests!(TempSqlite);

/// `run_all` (for backends that prefer one test) runs the same checks.
#[test]
fn run_all_passes_on_sqlite() {
    taskito_core::conformance::run_all::<TempSqlite>();
}
