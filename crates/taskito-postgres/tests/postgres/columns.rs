//! The one job column list (`queries/job_columns.sql`) against the schema the
//! migrations build: a column added to one and not the other fails here.

use std::collections::BTreeSet;

use taskito_postgres::{job_column_names, job_statements};

use super::support::TestSchema;

/// Columns of `jobs` that are this store's bookkeeping, not fields of a
/// `taskito_core::Job`, so no statement returns them.
const NOT_JOB_FIELDS: &[&str] = &["seq", "waiting_on", "dependents", "claim_token"];

pub(super) fn the_job_column_list_is_the_jobs_table() {
    let schema = TestSchema::new();
    drop(schema.open());
    let mut admin = schema.admin();
    let table: BTreeSet<String> = admin
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = 'jobs'",
            &[&schema.name],
        )
        .expect("columns")
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| !NOT_JOB_FIELDS.contains(&name.as_str()))
        .collect();
    let listed: BTreeSet<String> = job_column_names().into_iter().map(str::to_owned).collect();
    assert_eq!(
        listed, table,
        "queries/job_columns.sql against the jobs table"
    );
    // Every statement that returns jobs prepares and returns all of them.
    for (file, sql) in job_statements() {
        let statement = admin.prepare(sql).unwrap_or_else(|e| panic!("{file}: {e}"));
        let returned: BTreeSet<String> = statement
            .columns()
            .iter()
            .map(|c| c.name().to_owned())
            .collect();
        let missing: Vec<&String> = listed.difference(&returned).collect();
        assert!(missing.is_empty(), "{file} does not return {missing:?}");
    }
}
