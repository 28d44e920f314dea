//! Every Store conformance check on PostgreSQL, each in a fresh schema (so
//! they run in parallel), dropped after the check. Skipped with the reason
//! printed when no server is reachable; see `support::run`.

mod support;

use taskito_core::conformance::{Backend, CHECKS, PAIR_CHECKS};
use taskito_postgres::PostgresStore;

use support::{Body, TestSchema};

struct PgSchema(TestSchema);

impl Backend for PgSchema {
    type Store = PostgresStore;

    fn create() -> Self {
        PgSchema(TestSchema::new())
    }

    fn open(&self) -> PostgresStore {
        self.0.open()
    }
}

fn main() {
    let mut tests: Vec<(String, Body, bool)> = Vec::new();
    for &(name, check) in CHECKS {
        let body: Body = Box::new(move || {
            let backend = PgSchema::create();
            let store = backend.open();
            check(&store);
        });
        tests.push((name.to_owned(), body, false));
    }
    for &(name, check) in PAIR_CHECKS {
        let body: Body = Box::new(move || {
            let backend = PgSchema::create();
            let a = backend.open();
            let b = backend.open();
            check(&a, &b);
        });
        tests.push((name.to_owned(), body, false));
    }
    support::run(tests);
}
