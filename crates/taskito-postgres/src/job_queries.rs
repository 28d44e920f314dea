//! The statements that return jobs, and how their text is built.
//!
//! Each is written with the placeholder `{job_columns}` where its column list
//! goes. [`JobQuery`] splices the one list, `queries/job_columns.sql`, into it
//! on first use and keeps the result, so every call hands the connection's
//! statement cache (keyed by the text) the same string; it also keeps where
//! each column landed in the statement's rows, found by name once, so that
//! reading a row stays positional.

use std::sync::OnceLock;

use postgres::Row;
use taskito_core::Job;

use crate::connection::TxResult;
use crate::rows::JobColumns;

/// Where a statement's job column list goes.
const PLACEHOLDER: &str = "{job_columns}";

/// The job columns, comma-separated; its `--` lines are comments.
const COLUMN_LIST: &str = include_str!("../queries/job_columns.sql");

/// Declares one static [`JobQuery`] per query file (and, for the tests, the
/// list of them all with their file names).
macro_rules! job_queries {
    ($($(#[$doc:meta])* $name:ident = $file:literal;)+) => {
        $(
            $(#[$doc])*
            pub(crate) static $name: JobQuery =
                JobQuery::new(include_str!(concat!("../queries/", $file)));
        )+

        /// Every statement above, with its file in `queries/`.
        static ALL: &[(&str, &JobQuery)] = &[$(($file, &$name)),+];
    };
}

job_queries! {
    GET = "job_get.sql";
    LIST = "job_list.sql";
    LIST_BY_STATUS = "job_list_by_status.sql";
    LIST_AFTER = "job_list_after.sql";
    LIST_AFTER_BY_STATUS = "job_list_after_by_status.sql";
    /// Its rows also carry `expired` and `ids` (see the file).
    CLAIM = "job_claim.sql";
    CLAIMED_BY_TOKEN = "job_claimed_by_token.sql";
}

/// A statement that returns job rows: its text with the column list spliced
/// in, and the positions of the job columns in its rows, each built once.
pub(crate) struct JobQuery {
    template: &'static str,
    text: OnceLock<String>,
    columns: OnceLock<JobColumns>,
}

impl JobQuery {
    const fn new(template: &'static str) -> Self {
        Self {
            template,
            text: OnceLock::new(),
            columns: OnceLock::new(),
        }
    }

    /// The statement's text, the same string on every call.
    pub(crate) fn sql(&'static self) -> &'static str {
        self.text.get_or_init(|| splice(self.template))
    }

    /// The jobs in `rows`, rows of this statement.
    pub(crate) fn jobs(&self, rows: &[Row]) -> TxResult<Vec<Job>> {
        rows.iter().map(|row| self.job(row)).collect()
    }

    /// The job in `row`, a row of this statement.
    pub(crate) fn job(&self, row: &Row) -> TxResult<Job> {
        self.columns(row)?.read(row)
    }

    /// The job columns' positions, found by name in the first row of this
    /// statement (the same in every row of every statement prepared from it).
    fn columns(&self, row: &Row) -> TxResult<&JobColumns> {
        if let Some(columns) = self.columns.get() {
            return Ok(columns);
        }
        let found = JobColumns::of(row.columns())?;
        Ok(self.columns.get_or_init(|| found))
    }
}

/// The names in `queries/job_columns.sql`, in its order.
pub(crate) fn column_names() -> impl Iterator<Item = &'static str> {
    COLUMN_LIST
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
}

/// The claim statement as run, for the tests that check its plan with
/// `EXPLAIN`.
#[must_use]
pub fn claim_sql() -> &'static str {
    CLAIM.sql()
}

/// Every statement that returns jobs: its file in `queries/` and its text as
/// run.
pub fn job_statements() -> Vec<(&'static str, &'static str)> {
    ALL.iter()
        .map(|&(file, query)| (file, query.sql()))
        .collect()
}

/// The names in `queries/job_columns.sql`.
pub fn job_column_names() -> Vec<&'static str> {
    column_names().collect()
}

/// `template` with the job column list in place of the placeholder.
fn splice(template: &str) -> String {
    let list = column_names().collect::<Vec<_>>().join(", ");
    template.replace(PLACEHOLDER, &list)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::{column_names, ALL, PLACEHOLDER};
    use crate::rows::JobColumns;

    fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
        names.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn every_query_file_with_the_placeholder_is_spliced() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut with_placeholder = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).expect("queries/") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            if text.contains(PLACEHOLDER) {
                let name = path.file_name().expect("name").to_string_lossy();
                with_placeholder.insert(name.into_owned());
            }
        }
        let registered = set(ALL.iter().map(|(file, _)| *file));
        assert_eq!(
            with_placeholder, registered,
            "every query file that says {PLACEHOLDER} must be a JobQuery in src/job_queries.rs"
        );
        let list = column_names().collect::<Vec<_>>().join(", ");
        for &(file, query) in ALL {
            let sql = query.sql();
            assert!(!sql.contains(PLACEHOLDER), "{file}: {sql}");
            assert!(sql.contains(&list), "{file} lost the column list");
            // The same string every time: the statement cache keys on it.
            assert!(std::ptr::eq(sql, query.sql()));
        }
    }

    #[test]
    fn the_reader_reads_exactly_the_listed_columns() {
        let listed: Vec<&str> = column_names().collect();
        assert_eq!(
            set(listed.iter().copied()).len(),
            listed.len(),
            "a column listed twice"
        );
        assert_eq!(set(listed), set(JobColumns::NAMES.iter().copied()));
    }
}
