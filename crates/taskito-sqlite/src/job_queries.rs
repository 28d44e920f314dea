//! The statements that return jobs, and how their text is built.
//!
//! Each is written with the placeholder `{job_columns}` where its column list
//! goes. [`JobQuery`] splices the one list, `queries/job_columns.sql`, into it
//! on first use and keeps the result, so every call hands `prepare_cached`
//! (which keys on the text) the same string; it also keeps where each column
//! landed in the statement's rows, found by name once, so that reading a row
//! stays positional.

use std::sync::OnceLock;

use rusqlite::{Connection, OptionalExtension, Params, Statement};
use taskito_core::Job;

use crate::rows::JobColumns;

/// Where a statement's job column list goes.
const PLACEHOLDER: &str = "{job_columns}";

/// The job columns, comma-separated; its `--` lines are comments.
const COLUMN_LIST: &str = include_str!("../queries/job_columns.sql");

/// Declares one static [`JobQuery`] per query file (and, for the tests, the
/// list of them all with their file names). Statements that move jobs (the
/// claim) are `counts::Move`s instead, each around a `JobQuery`.
macro_rules! job_queries {
    ($($(#[$doc:meta])* $name:ident = $file:literal;)+) => {
        $(
            $(#[$doc])*
            pub(crate) static $name: JobQuery =
                JobQuery::new(include_str!(concat!("../queries/", $file)));
        )+

        /// Every statement above, with its file in `queries/`.
        #[cfg(test)]
        pub(crate) static ALL: &[(&str, &JobQuery)] = &[$(($file, &$name)),+];
    };
}

job_queries! {
    GET = "job_get.sql";
    LIST = "job_list.sql";
    LIST_BY_STATUS = "job_list_by_status.sql";
    LIST_AFTER = "job_list_after.sql";
    LIST_AFTER_BY_STATUS = "job_list_after_by_status.sql";
}

/// A statement that returns job rows: its text with the column list spliced
/// in, and the positions of the job columns in its rows, each built once.
pub(crate) struct JobQuery {
    template: &'static str,
    text: OnceLock<String>,
    columns: OnceLock<JobColumns>,
}

impl JobQuery {
    pub(crate) const fn new(template: &'static str) -> Self {
        Self {
            template,
            text: OnceLock::new(),
            columns: OnceLock::new(),
        }
    }

    /// Whether the statement returns job rows (its text has the placeholder).
    #[cfg(test)]
    pub(crate) fn returns_jobs(&self) -> bool {
        self.template.contains(PLACEHOLDER)
    }

    /// The statement's text, the same string on every call.
    pub(crate) fn sql(&self) -> &str {
        self.text.get_or_init(|| splice(self.template))
    }

    /// Runs the statement; every row is a job.
    pub(crate) fn jobs(
        &self,
        conn: &Connection,
        params: impl Params,
    ) -> rusqlite::Result<Vec<Job>> {
        let mut stmt = conn.prepare_cached(self.sql())?;
        let columns = self.columns(&stmt)?;
        let jobs = stmt.query_map(params, |row| columns.read(row))?.collect();
        jobs
    }

    /// Runs the statement for at most one job.
    pub(crate) fn job(
        &self,
        conn: &Connection,
        params: impl Params,
    ) -> rusqlite::Result<Option<Job>> {
        let mut stmt = conn.prepare_cached(self.sql())?;
        let columns = self.columns(&stmt)?;
        stmt.query_row(params, |row| columns.read(row)).optional()
    }

    /// The job columns' positions, found by name in the first statement
    /// prepared from this text (the same in every statement prepared from it).
    fn columns(&self, stmt: &Statement<'_>) -> rusqlite::Result<&JobColumns> {
        if let Some(columns) = self.columns.get() {
            return Ok(columns);
        }
        let found = JobColumns::of(stmt)?;
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

/// `template` with the job column list in place of the placeholder.
pub fn splice(template: &str) -> String {
    let list = column_names().collect::<Vec<_>>().join(", ");
    template.replace(PLACEHOLDER, &list)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::{column_names, JobQuery, ALL, PLACEHOLDER};
    use crate::rows::JobColumns;
    use crate::SqliteOptions;

    /// Columns of `jobs` that are bookkeeping of this store, not fields of a
    /// [`taskito_core::Job`], so no statement returns them.
    const NOT_JOB_FIELDS: &[&str] = &["waiting_on", "dependents"];

    /// The job queries here and the moves of `counts` that return jobs.
    fn all() -> Vec<(&'static str, &'static JobQuery)> {
        let moves = crate::counts::job_queries();
        ALL.iter().copied().chain(moves).collect()
    }

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
        let registered = set(all().iter().map(|(file, _)| *file));
        assert_eq!(
            with_placeholder, registered,
            "every query file that says {PLACEHOLDER} must be a JobQuery in src/job_queries.rs (or a Move in src/counts.rs)"
        );
        let list = column_names().collect::<Vec<_>>().join(", ");
        for (file, query) in all() {
            assert!(!query.sql().contains('{'), "{file}: {}", query.sql());
            assert!(query.sql().contains(&list), "{file} lost the column list");
            // The same string every time: prepare_cached keys on it.
            assert!(std::ptr::eq(query.sql(), query.sql()));
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

    #[test]
    fn the_list_holds_every_column_of_the_jobs_table() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("columns.db");
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        crate::migrations::apply(&mut conn, &path, &SqliteOptions::default()).expect("migrate");
        let table: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('jobs')")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        let table: BTreeSet<String> = table
            .into_iter()
            .filter(|c| !NOT_JOB_FIELDS.contains(&c.as_str()))
            .collect();
        assert_eq!(set(column_names()), table);
        // And every statement returns all of them.
        for (file, query) in all() {
            let stmt = conn.prepare(query.sql()).expect(file);
            JobColumns::of(&stmt).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
    }
}
