/// Exponential backoff with jitter: attempt `n` (0-based count of failures so far)
/// waits `base * 2^n`, capped, then scaled by a random factor in `[1 - jitter, 1]`
/// so that a burst of failures does not retry in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub base_ms: i64,
    pub max_ms: i64,
    /// Fraction of the delay that is randomised, 0.0..=1.0.
    pub jitter: f64,
}

impl RetryPolicy {
    pub const DEFAULT_MAX_MS: i64 = 3_600_000;

    #[must_use]
    pub fn new(base_ms: i64) -> Self {
        Self {
            base_ms: base_ms.max(0),
            max_ms: Self::DEFAULT_MAX_MS,
            jitter: 0.25,
        }
    }

    /// Delay before the next attempt after `failures` failures (1 for the first
    /// failure). `unit` is a random number in `[0, 1)`, injected for tests.
    #[must_use]
    pub fn delay_ms(&self, failures: i32, unit: f64) -> i64 {
        let exp = u32::try_from(failures.saturating_sub(1).clamp(0, 40)).unwrap_or(0);
        let raw = self.base_ms.saturating_mul(1_i64 << exp.min(40));
        let capped = raw.min(self.max_ms);
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let scaled = (capped as f64 * (1.0 - self.jitter * unit.clamp(0.0, 1.0))) as i64;
        scaled.max(0)
    }

    /// [`Self::delay_ms`] with a fresh random number.
    #[must_use]
    pub fn random_delay_ms(&self, failures: i32) -> i64 {
        self.delay_ms(failures, fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::RetryPolicy;

    #[test]
    fn doubles_each_failure_without_jitter() {
        let p = RetryPolicy::new(1_000);
        assert_eq!(p.delay_ms(1, 0.0), 1_000);
        assert_eq!(p.delay_ms(2, 0.0), 2_000);
        assert_eq!(p.delay_ms(3, 0.0), 4_000);
    }

    #[test]
    fn jitter_shortens_by_at_most_its_fraction() {
        let p = RetryPolicy::new(1_000);
        assert_eq!(p.delay_ms(1, 1.0), 750);
        assert!(p.delay_ms(1, 0.5) < 1_000);
    }

    #[test]
    fn caps_at_max() {
        let p = RetryPolicy::new(1_000);
        assert_eq!(p.delay_ms(40, 0.0), RetryPolicy::DEFAULT_MAX_MS);
    }

    #[test]
    fn zero_base_retries_at_once() {
        assert_eq!(RetryPolicy::new(0).delay_ms(5, 0.3), 0);
    }
}
