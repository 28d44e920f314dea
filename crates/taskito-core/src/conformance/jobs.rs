//! Inserting, reading, listing and cancelling jobs; unique keys (counting: `stats.rs`).

use super::fixtures::{claim, complete, finish, get, ids, insert, insert_one, new_job, T0};
use crate::InsertJobs;
use crate::{JobFilter, JobState, NewJob, Store};

/// Every field of a [`NewJob`] comes back from `job_get`, and a new job starts
/// with no attempt, lease, result or error.
pub fn insert_get_round_trips_every_field(store: &dyn Store) {
    let new = NewJob {
        id: crate::new_job_id(),
        queue: "emails".to_owned(),
        task_name: "app.tasks.send".to_owned(),
        payload: (0..=255).collect(),
        priority: -7,
        created_at: T0 - 5,
        scheduled_at: T0 + 10,
        max_retries: 5,
        backoff_ms: 250,
        timeout_ms: 9_000,
        unique_key: Some("order-17".to_owned()),
        metadata: Some(r#"{"trace": "abc", "n": 1}"#.to_owned()),
        expires_at: Some(T0 + 1_000_000),
        result_ttl_ms: Some(60_000),
    };
    assert_eq!(
        insert(store, std::slice::from_ref(&new)),
        vec![new.id.clone()]
    );
    let job = get(store, &new.id);
    assert_eq!(
        (job.id.as_str(), job.queue.as_str(), job.task_name.as_str()),
        (new.id.as_str(), "emails", "app.tasks.send")
    );
    assert_eq!(job.payload, new.payload);
    assert_eq!(job.status, JobState::Pending);
    assert_eq!(
        (job.priority, job.created_at, job.scheduled_at),
        (-7, T0 - 5, T0 + 10)
    );
    assert_eq!(
        (job.max_retries, job.backoff_ms, job.timeout_ms),
        (5, 250, 9_000)
    );
    assert_eq!(job.unique_key, new.unique_key);
    assert_eq!(job.metadata, new.metadata);
    assert_eq!(
        (job.expires_at, job.result_ttl_ms),
        (Some(T0 + 1_000_000), Some(60_000))
    );
    assert_eq!((job.attempt, job.retry_count, job.crash_count), (0, 0, 0));
    assert_eq!((job.started_at, job.completed_at), (None, None));
    assert_eq!((job.lease_owner, job.lease_expires_at), (None, None));
    assert_eq!((job.result, job.error, job.progress), (None, None, None));
    assert!(!job.cancel_requested);

    let bare = new_job("default", "t");
    let id = insert_one(store, bare.clone());
    let job = get(store, &id);
    assert_eq!(
        (
            job.unique_key,
            job.metadata,
            job.expires_at,
            job.result_ttl_ms
        ),
        (None, None, None, None)
    );
    assert_eq!(job.payload, bare.payload);

    assert_eq!(store.job_get("no-such-job").expect("job_get"), None);
}

/// Ids come back one per input, in input order; an empty batch is a no-op.
pub fn insert_many_returns_ids_in_input_order(store: &dyn Store) {
    let batch: Vec<NewJob> = (0..50)
        .map(|i| new_job(if i % 2 == 0 { "a" } else { "b" }, "t"))
        .collect();
    let expected: Vec<String> = batch.iter().map(|j| j.id.clone()).collect();
    assert_eq!(insert(store, &batch), expected);
    for id in &expected {
        assert_eq!(&get(store, id).id, id);
    }
    assert!(insert(store, &[]).is_empty());
    assert_eq!(store.job_stats().expect("job_stats").pending, 50);
}

/// Names full of quotes and SQL are data, never code.
pub fn hostile_names_round_trip_harmlessly(store: &dyn Store) {
    let queue = r#"we'ird"; DROP TABLE jobs;--"#;
    let task = r#"task' OR '1'='1"); DELETE FROM jobs; -- \ é 🦀"#;
    let mut job = new_job(queue, task);
    job.unique_key = Some(r#"key"'; DROP TABLE jobs;--"#.to_owned());
    job.metadata = Some(r#"{"q": "\"'--"}"#.to_owned());
    let id = insert_one(store, job.clone());
    let normal = insert_one(store, new_job("default", "t"));

    let stored = get(store, &id);
    assert_eq!(
        (stored.queue.as_str(), stored.task_name.as_str()),
        (queue, task)
    );
    assert_eq!(
        (stored.unique_key, stored.metadata),
        (job.unique_key.clone(), job.metadata)
    );
    let filter = JobFilter {
        queue: Some(queue.to_owned()),
        limit: 10,
        ..JobFilter::default()
    };
    assert_eq!(
        ids(&store.job_list(&filter, None).expect("job_list")),
        vec![id.clone()]
    );
    let filter = JobFilter {
        task_name: Some(task.to_owned()),
        limit: 10,
        ..JobFilter::default()
    };
    assert_eq!(
        ids(&store.job_list(&filter, None).expect("job_list")),
        vec![id.clone()]
    );

    assert!(claim(store, "w", &["x' OR '1'='1", "\" OR 1=1 --"], 10, T0).is_empty());
    assert_eq!(ids(&claim(store, "w", &[queue], 10, T0)), vec![id.clone()]);
    let again = insert(
        store,
        &[NewJob {
            unique_key: job.unique_key,
            ..new_job(queue, task)
        }],
    );
    assert_eq!(
        again,
        vec![id],
        "the hostile unique key still maps to the live job"
    );
    assert_eq!(get(store, &normal).status, JobState::Pending);
    assert_eq!(store.job_stats().expect("job_stats").running, 1);
}

/// Newest `created_at` first; queue, task and status filters combine; limit
/// and offset page through the result.
pub fn list_is_newest_first_and_filtered(store: &dyn Store) {
    let make = |queue: &str, task: &str, created: i64| NewJob {
        created_at: created,
        ..new_job(queue, task)
    };
    let a = insert_one(store, make("q1", "t1", T0));
    let b = insert_one(store, make("q2", "t1", T0 + 1));
    let c = insert_one(store, make("q1", "t2", T0 + 2));
    let d = insert_one(store, make("q1", "t1", T0 + 3));
    assert!(store.job_cancel(&b, T0 + 4).expect("job_cancel"));
    let (a, b, c, d) = (a.as_str(), b.as_str(), c.as_str(), d.as_str());
    let list = |filter: JobFilter| ids(&store.job_list(&filter, None).expect("job_list"));
    let all = JobFilter {
        limit: 100,
        ..JobFilter::default()
    };

    assert_eq!(list(all.clone()), [d, c, b, a]);
    assert_eq!(
        list(JobFilter {
            queue: Some("q1".into()),
            ..all.clone()
        }),
        [d, c, a]
    );
    assert_eq!(
        list(JobFilter {
            task_name: Some("t1".into()),
            ..all.clone()
        }),
        [d, b, a]
    );
    assert_eq!(
        list(JobFilter {
            status: Some(JobState::Cancelled),
            ..all.clone()
        }),
        [b]
    );
    let narrow = JobFilter {
        status: Some(JobState::Pending),
        queue: Some("q1".into()),
        task_name: Some("t1".into()),
        ..all.clone()
    };
    assert_eq!(list(narrow), [d, a]);
    assert!(list(JobFilter {
        status: Some(JobState::Running),
        ..all.clone()
    })
    .is_empty());
    assert!(list(JobFilter {
        queue: Some("nope".into()),
        ..all.clone()
    })
    .is_empty());
    assert_eq!(
        list(JobFilter {
            limit: 2,
            ..all.clone()
        }),
        [d, c]
    );
    assert_eq!(
        list(JobFilter {
            limit: 2,
            offset: 1,
            ..all.clone()
        }),
        [c, b]
    );
    assert!(list(JobFilter { offset: 4, ..all }).is_empty());
}

/// Only a pending job can be cancelled; a cancelled job is never claimed.
pub fn cancel_applies_only_to_pending_jobs(store: &dyn Store) {
    let id = insert_one(store, new_job("q", "t"));
    assert!(store.job_cancel(&id, T0 + 7).expect("job_cancel"));
    let job = get(store, &id);
    assert_eq!(
        (job.status, job.completed_at),
        (JobState::Cancelled, Some(T0 + 7))
    );
    assert!(
        !store.job_cancel(&id, T0 + 8).expect("job_cancel"),
        "already cancelled"
    );
    assert!(claim(store, "w", &["q"], 10, T0 + 9).is_empty());

    let run = super::fixtures::running(store, "r", "w", T0);
    assert!(
        !store.job_cancel(&run.id, T0 + 1).expect("job_cancel"),
        "running"
    );
    assert_eq!(get(store, &run.id).status, JobState::Running);
    assert!(!store.job_cancel("no-such-job", T0).expect("job_cancel"));
}

/// A unique key held by a pending or running job maps new inserts to that job;
/// once the holder is finished the key is free again.
pub fn unique_key_maps_to_the_live_job(store: &dyn Store) {
    let keyed = |key: &str| NewJob {
        unique_key: Some(key.to_owned()),
        ..new_job("u", "t")
    };
    // Highest priority, so the claim below takes it.
    let first = insert_one(
        store,
        NewJob {
            priority: 1,
            ..keyed("k")
        },
    );
    let dup = keyed("k");
    assert_eq!(insert_one(store, dup.clone()), first, "pending holder");
    assert_eq!(
        store.job_get(&dup.id).expect("job_get"),
        None,
        "nothing inserted"
    );

    let (c, d, e) = (keyed("k2"), keyed("k2"), new_job("u", "t"));
    let got = insert(store, &[c.clone(), d, e.clone()]);
    assert_eq!(
        got,
        vec![c.id.clone(), c.id.clone(), e.id.clone()],
        "duplicates within a batch"
    );

    let held = claim(store, "w", &["u"], 1, T0);
    assert_eq!(ids(&held), vec![first.clone()]);
    assert_eq!(insert_one(store, keyed("k")), first, "running holder");

    assert_eq!(finish(store, &[complete(&held[0])], T0 + 1), (1, 0));
    let after_complete = keyed("k");
    assert_eq!(
        insert_one(store, after_complete.clone()),
        after_complete.id,
        "complete frees the key"
    );
    assert!(store
        .job_cancel(&after_complete.id, T0 + 2)
        .expect("job_cancel"));
    let after_cancel = keyed("k");
    assert_eq!(
        insert_one(store, after_cancel.clone()),
        after_cancel.id,
        "cancel frees the key"
    );
    assert_eq!(store.job_stats().expect("job_stats").pending, 3);
}

/// An unknown id has no recorded errors (and is not an error).
pub fn job_errors_of_an_unknown_job_are_empty(store: &dyn Store) {
    assert!(store
        .job_errors("no-such-job")
        .expect("job_errors")
        .is_empty());
    let id = insert_one(store, new_job("q", "t"));
    assert!(store.job_errors(&id).expect("job_errors").is_empty());
}

/// A unique key used several times in one batch: the first job with the key
/// is inserted and every later one maps to it, in input order, alongside
/// other keys and unkeyed jobs; a key already live outside the batch wins
/// over all of them.
pub fn unique_key_repeated_in_one_batch_maps_to_the_first(store: &dyn Store) {
    let keyed = |key: &str| NewJob {
        unique_key: Some(key.to_owned()),
        ..new_job("b", "t")
    };
    let held = insert_one(store, keyed("held"));
    let batch = [
        keyed("x"),
        new_job("b", "t"),
        keyed("y"),
        keyed("x"),
        keyed("held"),
        keyed("y"),
        keyed("x"),
    ];
    let (x, free, y) = (&batch[0].id, &batch[1].id, &batch[2].id);
    assert_eq!(
        insert(store, &batch),
        vec![
            x.clone(),
            free.clone(),
            y.clone(),
            x.clone(),
            held.clone(),
            y.clone(),
            x.clone()
        ]
    );
    for skipped in [&batch[3], &batch[4], &batch[5], &batch[6]] {
        assert_eq!(store.job_get(&skipped.id).expect("job_get"), None);
    }
    assert_eq!(get(store, x).unique_key.as_deref(), Some("x"));
    assert_eq!(store.job_stats().expect("job_stats").pending, 4);
}

/// `queue_depths` counts pending and running jobs per queue, by name, and
/// leaves out finished jobs and queues without live work.
pub fn queue_depths_count_live_jobs_per_queue(store: &dyn Store) {
    assert_eq!(store.queue_depths().expect("queue_depths"), vec![]);
    insert(
        store,
        &(0..3).map(|_| new_job("work", "t")).collect::<Vec<_>>(),
    );
    let emails = insert(store, &[new_job("emails", "t"), new_job("done", "t")]);
    // A job waiting for a dependency is pending too.
    store
        .job_insert_dependent(&new_job("emails", "t"), &[emails[0].clone()])
        .expect("job_insert_dependent");
    let running = claim(store, "w", &["work"], 2, T0);
    let done = claim(store, "w", &["done"], 1, T0);
    assert_eq!(finish(store, &[complete(&done[0])], T0 + 1), (1, 0));
    let depths = store.queue_depths().expect("queue_depths");
    let expected = vec![
        crate::QueueDepth {
            queue: "emails".to_owned(),
            pending: 2,
            running: 0,
        },
        crate::QueueDepth {
            queue: "work".to_owned(),
            pending: 1,
            running: running.len() as u64,
        },
    ];
    assert_eq!(depths, expected);
}
