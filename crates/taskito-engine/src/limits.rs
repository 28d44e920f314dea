//! Rate limits and circuit breakers, checked on the worker thread just before
//! an attempt starts (and, for breakers, told how it ended). Only tasks that
//! have one pay anything: a worker without any has no [`Gate`] at all.

use std::collections::HashMap;
use std::sync::Arc;

use taskito_core::{Admission, BreakerConfig, Clock, Job, RateLimit, Store};

/// A task's limits, as given to the worker.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskLimits {
    /// Starts at most `count` per `period_ms`, shared by every worker.
    pub rate: Option<RateLimit>,
    /// Stops starting the task's jobs after repeated failures.
    pub breaker: Option<BreakerConfig>,
}

/// When the store cannot be asked, the job is delayed by this much.
const TROUBLE_DELAY_MS: i64 = 1_000;
/// Jobs held back by a breaker come back spread over up to this much (a fifth
/// of their wait at most), not all at the same instant.
const MAX_SPREAD_MS: i64 = 1_000;

pub(crate) struct Gate {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    limits: HashMap<String, TaskLimits>,
}

impl Gate {
    /// A gate for the tasks that have limits, or `None` when none has.
    pub(crate) fn new(
        store: &Arc<dyn Store>,
        clock: &Arc<dyn Clock>,
        limits: &HashMap<String, TaskLimits>,
    ) -> Option<Arc<Self>> {
        let limits: HashMap<String, TaskLimits> = limits
            .iter()
            .filter(|(_, l)| l.rate.is_some() || l.breaker.is_some())
            .map(|(name, l)| (name.clone(), *l))
            .collect();
        (!limits.is_empty()).then(|| {
            Arc::new(Self {
                store: Arc::clone(store),
                clock: Arc::clone(clock),
                limits,
            })
        })
    }

    pub(crate) fn limits(&self, task: &str) -> Option<&TaskLimits> {
        self.limits.get(task)
    }

    /// Whether `job` may start now: `None` to run it, or the time it must wait
    /// for (breaker first, then rate limit; a job the breaker holds back takes
    /// no rate slot).
    pub(crate) fn admit(&self, limits: &TaskLimits, job: &Job) -> Option<i64> {
        let now = self.clock.now_ms();
        if let Some(config) = &limits.breaker {
            match self
                .store
                .breaker_admit(&job.task_name, config, &job.id, now)
            {
                Ok(Admission::Run) => {}
                Ok(Admission::Delay(at)) => return Some(at + spread(at - now)),
                Err(_) => return Some(now + TROUBLE_DELAY_MS),
            }
        }
        if let Some(rate) = &limits.rate {
            match self
                .store
                .rate_acquire(&job.task_name, &job.id, rate.interval_ms(), now)
            {
                Ok(Admission::Run) => {}
                Ok(Admission::Delay(at)) => return Some(at),
                Err(_) => return Some(now + TROUBLE_DELAY_MS),
            }
        }
        None
    }

    /// Tells the task's breaker how an attempt ended. Best effort: a storage
    /// error loses this one observation.
    pub(crate) fn record(&self, limits: &TaskLimits, task: &str, job_id: &str, failed: bool) {
        if let Some(config) = &limits.breaker {
            let now = self.clock.now_ms();
            let _ = self.store.breaker_record(task, config, job_id, failed, now);
        }
    }
}

fn spread(wait_ms: i64) -> i64 {
    let max = (wait_ms / 5).clamp(0, MAX_SPREAD_MS);
    if max == 0 {
        0
    } else {
        fastrand::i64(0..=max)
    }
}
