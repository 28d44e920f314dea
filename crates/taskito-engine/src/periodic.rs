//! The periodic ticker: one thread per worker that has periodic tasks. It
//! sleeps until the next tick of any schedule, then enqueues that tick
//! through [`Store::periodic_tick`], which lets exactly one worker of the
//! cluster enqueue each tick.
//!
//! Catch-up policy: a schedule whose ticks were missed (no worker ran, or this
//! one was suspended) gets **one** job for the whole missed window, for the
//! latest missed tick, as soon as a worker sees it; then it continues on its
//! schedule. A schedule registered for the first time starts with its next
//! tick; one registered earlier that never ticked catches up from then.

use std::time::Duration;

use taskito_core::{Clock, CronSchedule, JobSpec, NewJob, PeriodicSchedule, Result, Store};

use crate::trouble::Trouble;
use crate::worker::Shared;
use crate::Phase;

/// A periodic task as a worker enqueues it: its schedule, and the job each
/// tick makes.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicTask {
    /// Identifies the schedule across workers and hosts.
    pub name: String,
    /// 5, 6 or 7 fields (see [`CronSchedule`]).
    pub cron_expr: String,
    /// An IANA name; `None` for UTC.
    pub timezone: Option<String>,
    /// The job each tick enqueues (its metadata is set per tick).
    pub job: JobSpec,
}

/// Longest sleep between looks at the clock, so a clock that jumps is noticed.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// Wait before trying again after a storage error.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// One schedule being followed: where this worker is in it.
pub(crate) struct Follow {
    task: PeriodicTask,
    schedule: CronSchedule,
    /// The latest tick known to be enqueued (by any worker), or the time the
    /// schedule was first registered.
    cursor: i64,
}

/// Parses `tasks`, registers them in the store (upsert) and returns them with
/// their cursors: a known schedule resumes from its last tick, or from its
/// first registration if it never ticked (so missed ticks are caught up,
/// once); a new one from `now`.
///
/// # Errors
/// [`taskito_core::Error::InvalidInput`] for an invalid cron expression or
/// timezone; the store's errors.
pub(crate) fn register(store: &dyn Store, tasks: &[PeriodicTask], now: i64) -> Result<Vec<Follow>> {
    let mut parsed = Vec::with_capacity(tasks.len());
    for task in tasks {
        let schedule = CronSchedule::parse(&task.cron_expr, task.timezone.as_deref())?;
        parsed.push((task.clone(), schedule));
    }
    let rows: Vec<PeriodicSchedule> = parsed
        .iter()
        .map(|(task, schedule)| PeriodicSchedule {
            name: task.name.clone(),
            task_name: task.job.task_name.clone(),
            cron_expr: task.cron_expr.clone(),
            timezone: schedule.timezone().to_owned(),
            queue: task.job.queue.clone(),
            registered_at: now,
            last_tick_at: None,
        })
        .collect();
    let stored = store.periodic_register(&rows)?;
    Ok(parsed
        .into_iter()
        .zip(stored)
        .map(|((task, schedule), row)| Follow {
            task,
            schedule,
            cursor: row.last_tick_at.unwrap_or(row.registered_at),
        })
        .collect())
}

/// The tick to enqueue at `now` for a schedule at `cursor`: the latest tick
/// at or before `now` if it is after `cursor` (however many were missed in
/// between: one job for the window), else none.
#[must_use]
pub(crate) fn due_tick(schedule: &CronSchedule, cursor: i64, now: i64) -> Option<i64> {
    schedule
        .latest_at_or_before(now)
        .filter(|&tick| tick > cursor)
}

/// Enqueues due ticks until the worker stops.
pub(crate) fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    shared: &Shared,
    mut follows: Vec<Follow>,
    give_up_after: Duration,
) {
    let mut trouble = Trouble::new("enqueueing periodic tasks", give_up_after);
    loop {
        let now = clock.now_ms();
        let mut failed = false;
        for follow in &mut follows {
            let Some(tick) = due_tick(&follow.schedule, follow.cursor, now) else {
                continue;
            };
            match store.periodic_tick(&follow.task.name, tick, &tick_job(&follow.task, tick, now)) {
                Ok(enqueued) => {
                    // Enqueued here or by another worker: this tick is done.
                    follow.cursor = tick;
                    if enqueued {
                        shared.wake.notify();
                    }
                }
                Err(e) => {
                    failed = true;
                    if trouble.failed(&e) {
                        shared.fail(&e);
                        return;
                    }
                }
            }
        }
        if !failed {
            trouble.cleared();
        }
        let sleep = if failed {
            RETRY_AFTER
        } else {
            follows
                .iter()
                .filter_map(|f| f.schedule.next_after(f.cursor.max(now)))
                .min()
                .map_or(MAX_SLEEP, |due| {
                    Duration::from_millis(u64::try_from(due - now).unwrap_or(0))
                })
                .min(MAX_SLEEP)
        };
        if shared.shutdown.wait_change(Phase::Running, sleep) != Phase::Running {
            return;
        }
    }
}

/// The job of one tick, runnable now, carrying `{"periodic": name, "tick_at": ms}`.
fn tick_job(task: &PeriodicTask, tick: i64, now: i64) -> NewJob {
    let mut spec = task.job.clone();
    spec.delay_ms = 0;
    spec.depends_on.clear();
    spec.id = None;
    spec.metadata = Some(format!(
        "{{\"periodic\": {}, \"tick_at\": {tick}}}",
        json_string(&task.name)
    ));
    spec.into_job(now).0
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{due_tick, json_string};
    use taskito_core::CronSchedule;

    const T: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    #[test]
    fn a_tick_is_due_once_its_time_comes() {
        let every_10s = CronSchedule::parse("*/10 * * * * *", None).expect("cron");
        assert_eq!(due_tick(&every_10s, T, T + 9_999), None);
        assert_eq!(due_tick(&every_10s, T, T + 10_000), Some(T + 10_000));
        assert_eq!(due_tick(&every_10s, T + 10_000, T + 10_500), None, "done");
    }

    #[test]
    fn missed_ticks_give_one_job_for_the_latest() {
        let every_minute = CronSchedule::parse("* * * * *", None).expect("cron");
        // Down for an hour and a half: one catch-up tick, the latest missed.
        let now = T + 90 * 60_000 + 30_000;
        assert_eq!(due_tick(&every_minute, T, now), Some(T + 90 * 60_000));
        assert_eq!(due_tick(&every_minute, T + 90 * 60_000, now), None);
    }

    #[test]
    fn schedule_names_are_escaped_in_metadata() {
        assert_eq!(json_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
    }
}
