//! Rate limits and circuit breakers: their settings and the circuit breaker's
//! state machine, as pure functions the backends apply inside a transaction.

/// At most `count` starts per `period_ms`, spread evenly: one start every
/// `period_ms / count` ms (so no window of `period_ms` ever sees more than
/// `count` starts, and a backlog drains at a steady pace rather than in bursts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub period_ms: i64,
}

impl RateLimit {
    /// The time between two starts, at least 1 ms.
    #[must_use]
    pub fn interval_ms(&self) -> i64 {
        (self.period_ms / i64::from(self.count.max(1))).max(1)
    }
}

/// A circuit breaker's settings: it opens after `threshold` failures within
/// `window_ms`, and stays open `cooldown_ms` before letting one trial job through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    pub threshold: i32,
    pub window_ms: i64,
    pub cooldown_ms: i64,
}

/// Whether a job may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Start it.
    Run,
    /// Do not start it before this time (Unix ms): it goes back to `pending`.
    Delay(i64),
}

/// The three states of a circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Jobs run; failures are counted.
    Closed,
    /// Jobs wait until the cooldown ends.
    Open,
    /// One trial job runs; its success closes the breaker, its failure opens it.
    HalfOpen,
}

impl BreakerState {
    /// `"closed"`, `"open"` or `"half_open"`, as stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }

    /// The state named by [`BreakerState::as_str`] (anything else reads as closed).
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "open" => BreakerState::Open,
            "half_open" => BreakerState::HalfOpen,
            _ => BreakerState::Closed,
        }
    }
}

/// While a trial runs, other jobs of the task look again after at most this long.
pub const TRIAL_WAIT_MS: i64 = 1_000;

/// The stored state of one task's circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breaker {
    pub task_name: String,
    pub state: BreakerState,
    /// Failures in the current window (closed), or since it opened.
    pub failure_count: i32,
    /// When the current counting window began.
    pub window_started_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub opened_at: Option<i64>,
    /// The job let through while half-open, and when.
    pub trial_job_id: Option<String>,
    pub trial_started_at: Option<i64>,
    pub threshold: i32,
    pub window_ms: i64,
    pub cooldown_ms: i64,
}

impl Breaker {
    /// A closed breaker with no failures.
    #[must_use]
    pub fn new(task_name: &str, config: &BreakerConfig) -> Self {
        Self {
            task_name: task_name.to_owned(),
            state: BreakerState::Closed,
            failure_count: 0,
            window_started_at: None,
            last_failure_at: None,
            opened_at: None,
            trial_job_id: None,
            trial_started_at: None,
            threshold: config.threshold,
            window_ms: config.window_ms,
            cooldown_ms: config.cooldown_ms,
        }
    }

    fn configure(&mut self, config: &BreakerConfig) {
        self.threshold = config.threshold;
        self.window_ms = config.window_ms;
        self.cooldown_ms = config.cooldown_ms;
    }

    /// Decides whether `job_id` may start at `now`, moving an open breaker whose
    /// cooldown ended to half-open with this job as its trial. Returns the
    /// decision and whether the breaker changed (and must be written back).
    ///
    /// A half-open breaker lets its trial job start again (after a crash), and
    /// hands the trial to another job once a cooldown passed without an outcome
    /// (the trial job was lost); the others wait.
    pub fn admit(&mut self, config: &BreakerConfig, job_id: &str, now: i64) -> (Admission, bool) {
        let changed = self.threshold != config.threshold
            || self.window_ms != config.window_ms
            || self.cooldown_ms != config.cooldown_ms;
        self.configure(config);
        let opened_at = self.opened_at.unwrap_or(now);
        match self.state {
            BreakerState::Closed => (Admission::Run, changed),
            BreakerState::Open if now < opened_at + self.cooldown_ms => {
                (Admission::Delay(opened_at + self.cooldown_ms), changed)
            }
            BreakerState::HalfOpen if self.trial_job_id.as_deref() == Some(job_id) => {
                (Admission::Run, changed)
            }
            BreakerState::HalfOpen
                if now < self.trial_started_at.unwrap_or(now) + self.cooldown_ms =>
            {
                let wait = self.cooldown_ms.clamp(1, TRIAL_WAIT_MS);
                (Admission::Delay(now + wait), changed)
            }
            BreakerState::Open | BreakerState::HalfOpen => {
                self.state = BreakerState::HalfOpen;
                self.trial_job_id = Some(job_id.to_owned());
                self.trial_started_at = Some(now);
                (Admission::Run, true)
            }
        }
    }

    /// Records how an attempt of `job_id` ended. Returns whether the breaker
    /// changed.
    ///
    /// Closed: a failure counts within the window (a failure after the window
    /// starts a new one); `threshold` failures open the breaker. Half-open: the
    /// trial job's success closes it and its failure opens it again; other jobs
    /// (started before it opened) only count. Open: failures only count.
    /// Successes outside a trial change nothing.
    pub fn record(&mut self, config: &BreakerConfig, job_id: &str, failed: bool, now: i64) -> bool {
        self.configure(config);
        let trial =
            self.state == BreakerState::HalfOpen && self.trial_job_id.as_deref() == Some(job_id);
        if !failed {
            if trial {
                *self = Breaker::new(&self.task_name, config);
                return true;
            }
            return false;
        }
        self.last_failure_at = Some(now);
        match self.state {
            BreakerState::Closed => {
                let fresh = self
                    .window_started_at
                    .is_none_or(|start| now - start >= self.window_ms);
                if fresh {
                    self.window_started_at = Some(now);
                    self.failure_count = 1;
                } else {
                    self.failure_count += 1;
                }
                if self.failure_count >= self.threshold {
                    self.open(now);
                }
            }
            BreakerState::HalfOpen if trial => {
                self.failure_count += 1;
                self.open(now);
            }
            BreakerState::HalfOpen | BreakerState::Open => self.failure_count += 1,
        }
        true
    }

    fn open(&mut self, now: i64) {
        self.state = BreakerState::Open;
        self.opened_at = Some(now);
        self.trial_job_id = None;
        self.trial_started_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BreakerConfig = BreakerConfig {
        threshold: 2,
        window_ms: 1_000,
        cooldown_ms: 5_000,
    };

    #[test]
    fn interval_spreads_the_count_over_the_period() {
        let ten_per_second = RateLimit {
            count: 10,
            period_ms: 1_000,
        };
        assert_eq!(ten_per_second.interval_ms(), 100);
        let absurd = RateLimit {
            count: 5_000,
            period_ms: 1_000,
        };
        assert_eq!(absurd.interval_ms(), 1);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let mut b = Breaker::new("t", &CFG);
        assert!(b.record(&CFG, "a", true, 0));
        assert!(b.record(&CFG, "b", true, 1_500));
        assert_eq!((b.state, b.failure_count), (BreakerState::Closed, 1));
        b.record(&CFG, "c", true, 1_600);
        assert_eq!(b.state, BreakerState::Open);
        assert_eq!(b.opened_at, Some(1_600));
    }

    #[test]
    fn open_delays_until_the_cooldown_then_lets_one_trial_through() {
        let mut b = Breaker::new("t", &CFG);
        b.record(&CFG, "a", true, 0);
        b.record(&CFG, "b", true, 10);
        assert_eq!(b.admit(&CFG, "x", 100), (Admission::Delay(5_010), false));
        assert_eq!(b.admit(&CFG, "x", 5_010), (Admission::Run, true));
        assert_eq!(b.state, BreakerState::HalfOpen);
        assert_eq!(b.admit(&CFG, "y", 5_020), (Admission::Delay(6_020), false));
        assert_eq!(b.admit(&CFG, "x", 5_030), (Admission::Run, false));
        // A lost trial is handed on after a cooldown.
        assert_eq!(b.admit(&CFG, "y", 10_010), (Admission::Run, true));
        assert_eq!(b.trial_job_id.as_deref(), Some("y"));
    }

    #[test]
    fn the_trial_decides() {
        let mut b = Breaker::new("t", &CFG);
        b.record(&CFG, "a", true, 0);
        b.record(&CFG, "b", true, 0);
        b.admit(&CFG, "x", 6_000);
        assert!(!b.record(&CFG, "other", false, 6_001));
        b.record(&CFG, "other", true, 6_002);
        assert_eq!(b.state, BreakerState::HalfOpen);
        b.record(&CFG, "x", true, 6_003);
        assert_eq!((b.state, b.opened_at), (BreakerState::Open, Some(6_003)));
        b.admit(&CFG, "z", 11_003);
        assert!(b.record(&CFG, "z", false, 11_004));
        assert_eq!(b, Breaker::new("t", &CFG));
    }

    #[test]
    fn state_names_round_trip() {
        for s in [
            BreakerState::Closed,
            BreakerState::Open,
            BreakerState::HalfOpen,
        ] {
            assert_eq!(BreakerState::parse(s.as_str()), s);
        }
    }
}
