//! The behaviour every [`Store`] must show, as checks any backend runs against
//! itself (feature `conformance`).
//!
//! A backend's test file implements [`Backend`] (how to make an empty database
//! and open stores on it) and expands [`store_conformance_tests!`](crate::store_conformance_tests), which
//! generates one `#[test]` per check. [`run_all`] runs them all in one call.
//! Checks pass explicit times (`now`) and never sleep; they panic on the first
//! behaviour that differs from the [`Store`] docs.

mod claims;
mod concurrency;
mod controls;
mod counts;
mod dead_letters;
mod dependencies;
mod fixtures;
mod graph;
mod jobs;
mod leases;
mod limits;
mod observability;
mod outcomes;
mod overview;
mod periodic;
mod quarantine;
mod replay;
mod rules;
mod stats;
mod workers;

pub use claims::*;
pub use concurrency::*;
pub use controls::*;
pub use counts::*;
pub use dead_letters::*;
pub use dependencies::*;
pub use graph::*;
pub use jobs::*;
pub use leases::*;
pub use limits::*;
pub use observability::*;
pub use outcomes::*;
pub use overview::*;
pub use periodic::*;
pub use quarantine::*;
pub use replay::*;
pub use rules::*;
pub use stats::*;
pub use workers::*;

use crate::Store;

/// A database a check can open stores on, e.g. a file in a temp dir (dropped,
/// and so deleted, after the check).
pub trait Backend: Sized {
    type Store: Store;

    /// A new, empty database.
    fn create() -> Self;

    /// A store on this database. Each call opens a separate store with its own
    /// connections, the way another process would.
    fn open(&self) -> Self::Store;
}

/// A check that needs one store.
pub type Check = fn(&dyn Store);
/// A check that needs two separate stores on one database.
pub type PairCheck = fn(&dyn Store, &dyn Store);

/// The one list of checks, handed to `$mode` of `__taskito_expand_checks!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __taskito_for_each_check {
    ($($mode:tt)*) => {
        $crate::__taskito_expand_checks! {
            [$($mode)*]
            single: [
                insert_get_round_trips_every_field,
                insert_many_returns_ids_in_input_order,
                hostile_names_round_trip_harmlessly,
                list_is_newest_first_and_filtered,
                stats_count_jobs_per_state,
                stats_stay_exact_through_every_transition,
                stats_stay_exact_through_delays_ticks_and_cascades,
                cancel_applies_only_to_pending_jobs,
                unique_key_maps_to_the_live_job,
                unique_key_repeated_in_one_batch_maps_to_the_first,
                job_errors_of_an_unknown_job_are_empty,
                claim_orders_by_priority_then_schedule_then_id,
                claim_takes_at_most_limit,
                claim_skips_jobs_not_yet_due,
                claim_filters_by_queue,
                claim_starts_an_attempt_under_a_lease,
                claim_never_returns_a_job_twice,
                complete_outcome_stores_the_result,
                retry_outcome_reschedules_and_records_the_error,
                dead_outcome_dead_letters_the_job,
                release_outcome_spends_nothing,
                cancelled_outcome_ends_the_job_without_dead_letter,
                stale_attempt_is_fenced,
                finish_batch_reports_applied_and_fenced,
                rescue_returns_expired_leases_to_pending,
                rescue_quarantines_a_job_after_max_crashes,
                rescue_reports_rescued_and_quarantined_apart,
                rescue_owner_touches_only_that_workers_running_jobs,
                cancel_request_applies_only_to_running_jobs,
                progress_is_fenced_by_attempt,
                replay_copies_the_work_under_a_new_id,
                replay_history_lists_replays_with_current_errors,
                heartbeat_extends_the_workers_leases,
                dead_retry_enqueues_a_fresh_copy,
                dead_list_is_newest_first_and_paged,
                dead_purge_removes_older_entries,
                dead_delete_removes_one_entry,
                purge_completed_removes_old_completed_jobs_only,
                purge_expired_results_follows_each_ttl,
                each_purge_target_takes_only_its_rows,
                workers_register_heartbeat_and_unregister,
                concurrent_claims_never_share_a_job,
                batch_completion_releases_and_complete_dependencies_do_not_block, breaker_failed_trial_reopens, breaker_is_closed_until_failures, breaker_opens_half_opens_and_closes, cancel_and_expiry_cascade, completion_series_buckets_recent_completions, death_cascades_through_the_graph, delay_outcome_reschedules_without_spending, dependent_waits_for_every_dependency, graph_inserts_a_canvas_whole, graph_is_refused_whole, impossible_dependencies_are_refused, list_after_pages_like_job_list, log_purge_by_age_and_with_the_job, log_query_filters_and_orders_newest_first, logs_of_a_job_read_back_oldest_first, metric_purge_removes_older_rollups, metric_rollups_upsert_and_list, periodic_register_upserts_and_keeps_the_last_tick, periodic_tick_enqueues_each_tick_once, purge_takes_dependency_edges_with_the_job, queue_depths_count_live_jobs_per_queue, rate_slots_are_spaced_and_reserved,
                a_row_limit_of_zero_means_no_limit,
                an_expired_job_is_never_claimed_and_fails,
                breaker_admit_on_a_closed_or_unknown_breaker_writes_nothing,
                an_open_breaker_past_its_cooldown_admits_one_probe,
            ]
            pair: [
                change_marker_sees_commits_of_another_store,
                maintenance_turns_go_to_one_caller_per_period,
                two_stores_never_claim_the_same_job,
                breaker_state_is_shared_between_stores, periodic_ticks_race_to_one_job_each, rate_slots_are_shared_between_stores, graph_insert_races_no_worker,
                concurrent_rate_slots_are_unique_and_spaced,
                concurrent_admits_let_one_probe_through,
            ]
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __taskito_expand_checks {
    ([lists] single: [$($s:ident,)*] pair: [$($p:ident,)*]) => {
        /// Every single-store check, by name.
        pub const CHECKS: &[(&str, Check)] = &[$((stringify!($s), $s as Check)),*];
        /// Every two-store check, by name.
        pub const PAIR_CHECKS: &[(&str, PairCheck)] = &[$((stringify!($p), $p as PairCheck)),*];
    };
    ([tests $backend:ty] single: [$($s:ident,)*] pair: [$($p:ident,)*]) => {
        $(
            #[test]
            fn $s() {
                let backend = <$backend as $crate::conformance::Backend>::create();
                let store = $crate::conformance::Backend::open(&backend);
                $crate::conformance::$s(&store);
            }
        )*
        $(
            #[test]
            fn $p() {
                let backend = <$backend as $crate::conformance::Backend>::create();
                let a = $crate::conformance::Backend::open(&backend);
                let b = $crate::conformance::Backend::open(&backend);
                $crate::conformance::$p(&a, &b);
            }
        )*
    };
}

/// Generates one `#[test]` per conformance check for a [`Backend`] type:
/// `taskito_core::store_conformance_tests!(MyBackend);`
#[macro_export]
macro_rules! store_conformance_tests {
    ($backend:ty) => {
        $crate::__taskito_for_each_check!(tests $backend);
    };
}

__taskito_for_each_check!(lists);

/// Runs every check, each on a new database of `B`.
pub fn run_all<B: Backend>() {
    for (_, check) in CHECKS {
        let backend = B::create();
        check(&backend.open());
    }
    for (_, check) in PAIR_CHECKS {
        let backend = B::create();
        check(&backend.open(), &backend.open());
    }
}
