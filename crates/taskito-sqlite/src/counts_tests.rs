//! Every statement that inserts, deletes or changes the status of jobs is a
//! [`Move`], and only `counts.rs` runs one: so every status change is counted.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Change, ALL};

/// `text` upper-cased, `--` comment lines dropped, whitespace collapsed.
fn normalized(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// Whether SQL (normalized) inserts or deletes jobs or sets their status.
fn changes_status(sql: &str) -> bool {
    if sql.contains("INSERT INTO JOBS ") || sql.contains("DELETE FROM JOBS ") {
        return true;
    }
    sql.match_indices("UPDATE JOBS ").any(|(at, _)| {
        let rest = &sql[at..];
        let Some(set) = rest.find(" SET ") else {
            return false;
        };
        let clause = &rest[set..];
        let end = [" WHERE ", " RETURNING ", " FROM "]
            .iter()
            .filter_map(|word| clause.find(word))
            .min()
            .unwrap_or(clause.len());
        clause[..end].contains("STATUS")
    })
}

fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out = Vec::new();
    let mut dirs = vec![dir];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                out.push((name, std::fs::read_to_string(&path).expect("read")));
            }
        }
    }
    out
}

#[test]
fn the_status_test_tells_moves_from_other_updates() {
    assert!(changes_status(&normalized(
        "UPDATE jobs\nSET status = 'x', a = 1\nWHERE id = ?1"
    )));
    assert!(!changes_status(&normalized(
        "UPDATE jobs SET crash_count = crash_count + 1 WHERE status = 'running'"
    )));
    assert!(changes_status(&normalized("DELETE FROM jobs WHERE x")));
    assert!(!changes_status(&normalized(
        "DELETE FROM job_errors WHERE x"
    )));
}

#[test]
fn every_statement_that_changes_job_status_is_a_move() {
    let changing: BTreeSet<String> = files("queries", "sql")
        .into_iter()
        .filter(|(_, text)| changes_status(&normalized(text)))
        .map(|(name, _)| name)
        .collect();
    let moves: BTreeSet<String> = ALL.iter().map(|m| m.file.to_owned()).collect();
    assert_eq!(
        changing, moves,
        "a statement that inserts, deletes or changes the status of jobs must be a \
         Move in src/counts.rs, so that its moves are counted"
    );
}

#[test]
fn only_counts_runs_them() {
    for (name, text) in files("src", "rs") {
        if name == "counts.rs" || name == "counts_tests.rs" {
            continue;
        }
        for m in ALL {
            assert!(
                !text.contains(m.file),
                "{name} names {}: run it through counts::{{Tx, Move}}",
                m.file
            );
        }
        assert!(
            !changes_status(&normalized(&text)),
            "{name} holds SQL that changes the status of jobs outside counts.rs"
        );
    }
}

/// Each move's SQL matches the change it records: it selects jobs in the
/// state it moves them from and sets the state it moves them to.
#[test]
fn each_move_records_what_its_sql_does() {
    for m in ALL {
        let sql = normalized(m.query.sql());
        let state = |s: taskito_core::JobState| format!("STATUS = '{}'", s.as_str().to_uppercase());
        match m.change {
            Change::Insert => assert!(sql.contains("'PENDING'"), "{}", m.file),
            Change::Move(from, to) => {
                assert!(sql.contains(&state(from)), "{}: from {from:?}", m.file);
                assert!(sql.contains(&state(to)), "{}: to {to:?}", m.file);
            }
            Change::Delete(from) => assert!(sql.contains(&state(from)), "{}", m.file),
        }
    }
}
