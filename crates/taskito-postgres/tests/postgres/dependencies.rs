//! Dependencies on PostgreSQL: the completion statement's plan and
//! completions racing with inserts of dependents.

use std::thread;
use taskito_core::InsertJobs;

use taskito_core::{JobState, Store};
use taskito_postgres::{COMPLETE_MANY_SQL, PLANNER_SETTINGS};

use super::support::TestSchema;
use super::{claim, complete_all, jobs, T0};

/// Completing a batch (the hot path of every job) touches job_dependencies
/// only through its indexes, however many edges it holds, as a custom and a
/// generic plan: jobs without dependents pay two empty index lookups.
pub(super) fn completion_releases_dependents_through_indexes_only() {
    let schema = TestSchema::new();
    let store = schema.open();
    let roots = store.job_insert_many(&jobs("q", 50)).expect("insert");
    for root in &roots {
        for job in jobs("later", 20) {
            store
                .job_insert_dependent(&job, std::slice::from_ref(root))
                .expect("dependent");
        }
    }
    let mut admin = schema.admin();
    admin
        .batch_execute(PLANNER_SETTINGS)
        .expect("the store's planner settings");
    admin
        .batch_execute(&format!(
            "PREPARE complete_check(text[], int4[], bytea[], int8) AS {COMPLETE_MANY_SQL}"
        ))
        .expect("prepare");
    let explain =
        format!("EXPLAIN EXECUTE complete_check('{{a,b}}', '{{1,1}}', '{{NULL,NULL}}', {T0})");
    for mode in ["auto", "force_generic_plan"] {
        admin
            .batch_execute(&format!("SET plan_cache_mode = {mode}"))
            .expect("plan mode");
        let plan: Vec<String> = admin
            .simple_query(&explain)
            .expect("explain")
            .iter()
            .filter_map(|m| match m {
                postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        let plan = plan.join("\n");
        assert!(
            !plan.contains("Seq Scan on job_dependencies"),
            "{mode}: no scan of the edges:\n{plan}"
        );
        assert!(
            plan.contains("job_dependencies_reverse"),
            "{mode}: dependents found by the reverse index:\n{plan}"
        );
    }
}

/// Dependents inserted from one store while another completes their
/// dependency are all released exactly once (none left waiting forever).
pub(super) fn dependents_inserted_while_their_dependency_completes_are_released() {
    let schema = TestSchema::new();
    let a = schema.open();
    let b = schema.open();
    for round in 0..20 {
        let root = a.job_insert_many(&jobs("q", 1)).expect("insert").remove(0);
        let running = claim(&a, "w", 1);
        assert_eq!(running.len(), 1, "round {round}");
        let inserted: Vec<String> = thread::scope(|s| {
            let inserter = s.spawn(|| {
                jobs("later", 5)
                    .iter()
                    .filter_map(|job| {
                        b.job_insert_dependent(job, std::slice::from_ref(&root))
                            .ok()
                    })
                    .collect::<Vec<_>>()
            });
            complete_all(&a, &running);
            inserter.join().expect("inserter")
        });
        assert_eq!(
            inserted.len(),
            5,
            "a running or complete dependency is accepted"
        );
        for id in &inserted {
            let job = a.job_get(id).expect("get").expect("job");
            assert_eq!(job.status, JobState::Pending);
        }
        let ready = a
            .job_claim(&taskito_core::ClaimRequest {
                worker_id: "w".to_owned(),
                queues: vec!["later".to_owned()],
                limit: 100,
                now: T0,
                lease_ms: 30_000,
            })
            .expect("claim");
        assert_eq!(
            ready.len(),
            5,
            "round {round}: every dependent was released"
        );
        complete_all(&a, &ready);
    }
}

/// The claim statement runs on its own; expiring a job that has dependents
/// and cancelling them is one transaction after it. A process that dies
/// right after the claim statement (run here by hand, as its last act)
/// leaves that job pending, not failed with its dependents stranded; the next
/// claim, by any store, expires it and cancels them together.
pub(super) fn expiry_and_its_cascade_commit_together() {
    let schema = TestSchema::new();
    let store = schema.open();
    let mut expiring = jobs("late", 1).pop().expect("one job");
    expiring.expires_at = Some(T0 + 10);
    let plain_expiring = {
        let mut j = jobs("late", 1).pop().expect("one job");
        j.expires_at = Some(T0 + 10);
        j
    };
    let parent = store
        .job_insert_many(&[expiring])
        .expect("insert")
        .remove(0);
    let plain = store
        .job_insert_many(&[plain_expiring])
        .expect("insert")
        .remove(0);
    let child = store
        .job_insert_dependent(&jobs("next", 1).remove(0), std::slice::from_ref(&parent))
        .expect("dependent");

    let mut dying = schema.admin();
    let now = T0 + 11;
    let rows = dying
        .query(
            taskito_postgres::claim_sql(),
            &[
                &"w",
                &(now + 30_000),
                &now,
                &vec!["other".to_owned()],
                &10_i64,
                &"token",
                &taskito_core::EXPIRED_ERROR,
            ],
        )
        .expect("the claim statement alone");
    let listed: Option<Vec<String>> = rows[0].get("ids");
    assert_eq!(listed, Some(vec![parent.clone()]), "listed for the caller");
    drop(dying);
    let status = |id: &str| store.job_get(id).expect("get").expect("exists").status;
    assert_eq!(
        status(&plain),
        JobState::Failed,
        "no dependents: expired at once"
    );
    assert_eq!(
        status(&parent),
        JobState::Pending,
        "left for the transaction"
    );
    assert_eq!(status(&child), JobState::Pending);

    let request = taskito_core::ClaimRequest {
        worker_id: "w2".to_owned(),
        queues: vec!["other".to_owned()],
        limit: 10,
        now: now + 1,
        lease_ms: 30_000,
    };
    assert!(schema.open().job_claim(&request).expect("claim").is_empty());
    assert_eq!(status(&parent), JobState::Failed);
    let child = store.job_get(&child).expect("get").expect("exists");
    assert_eq!(child.status, JobState::Cancelled);
    assert!(child.error.unwrap_or_default().contains(&parent));
}
