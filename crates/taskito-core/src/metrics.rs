//! Task metrics: per-task tallies of attempt durations, rolled up per worker and
//! per minute, and the summary `queue.metrics()` shows.
//!
//! Durations are kept in a log-scale histogram (16 buckets per doubling, so a
//! bucket spans about 4.4 %): percentiles read from it are the upper bound of
//! the bucket holding the rank, clamped to the exact min and max, so they are
//! never below the true value and at most ~4.4 % above it.

use std::collections::{BTreeMap, HashMap};

/// Buckets per doubling of the duration.
const STEPS_PER_DOUBLING: f64 = 16.0;

/// Counts of durations (microseconds) per log-scale bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: BTreeMap<u16, u64>,
}

impl Histogram {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "log2 of a positive i64 times 16 is below 1100"
    )]
    fn bucket(us: i64) -> u16 {
        let us = us.max(1) as f64;
        (us.log2() * STEPS_PER_DOUBLING).floor() as u16
    }

    #[allow(
        clippy::cast_possible_truncation,
        reason = "bucket bounds fit in i64 for any bucket of an i64 duration"
    )]
    fn upper_bound(bucket: u16) -> i64 {
        (f64::from(bucket + 1) / STEPS_PER_DOUBLING).exp2().ceil() as i64
    }

    pub fn record(&mut self, us: i64) {
        *self.counts.entry(Self::bucket(us)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (bucket, n) in &other.counts {
            *self.counts.entry(*bucket).or_default() += n;
        }
    }

    /// The upper bound (us) of the bucket that holds the `q` quantile, or `None`
    /// when empty.
    #[must_use]
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a rank is at most the total count"
    )]
    pub fn quantile(&self, q: f64) -> Option<i64> {
        let total: u64 = self.counts.values().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (bucket, n) in &self.counts {
            seen += n;
            if seen >= rank {
                return Some(Self::upper_bound(*bucket));
            }
        }
        None
    }

    /// Text form for storage: `bucket:count` pairs joined by commas.
    #[must_use]
    pub fn encode(&self) -> String {
        let pairs: Vec<String> = self
            .counts
            .iter()
            .map(|(b, n)| format!("{b}:{n}"))
            .collect();
        pairs.join(",")
    }

    /// Reads [`Histogram::encode`]'s text; malformed pairs are skipped.
    #[must_use]
    pub fn decode(text: &str) -> Self {
        let mut counts = BTreeMap::new();
        for pair in text.split(',').filter(|p| !p.is_empty()) {
            if let Some((b, n)) = pair.split_once(':') {
                if let (Ok(b), Ok(n)) = (b.parse::<u16>(), n.parse::<u64>()) {
                    *counts.entry(b).or_default() += n;
                }
            }
        }
        Self { counts }
    }
}

/// What a set of attempts of one task did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricTally {
    pub count: i64,
    pub success_count: i64,
    pub failure_count: i64,
    pub sum_us: i64,
    pub min_us: i64,
    pub max_us: i64,
    pub histogram: Histogram,
}

impl MetricTally {
    /// Counts one attempt that took `us` microseconds; `ok` when it succeeded.
    pub fn record(&mut self, us: i64, ok: bool) {
        let us = us.max(0);
        self.min_us = if self.count == 0 {
            us
        } else {
            self.min_us.min(us)
        };
        self.max_us = self.max_us.max(us);
        self.count += 1;
        if ok {
            self.success_count += 1;
        } else {
            self.failure_count += 1;
        }
        self.sum_us = self.sum_us.saturating_add(us);
        self.histogram.record(us);
    }

    pub fn merge(&mut self, other: &MetricTally) {
        if other.count == 0 {
            return;
        }
        self.min_us = if self.count == 0 {
            other.min_us
        } else {
            self.min_us.min(other.min_us)
        };
        self.max_us = self.max_us.max(other.max_us);
        self.count += other.count;
        self.success_count += other.success_count;
        self.failure_count += other.failure_count;
        self.sum_us = self.sum_us.saturating_add(other.sum_us);
        self.histogram.merge(&other.histogram);
    }
}

/// One worker's tally of one task over one minute: the stored unit. A worker
/// rewrites its own row as the minute goes on (the key is worker, task, minute).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRollup {
    pub worker_id: String,
    pub task_name: String,
    /// The minute (Unix ms, a multiple of 60 000) the attempts finished in.
    pub bucket_start: i64,
    /// When the last attempt counted here finished (to within a heartbeat).
    pub last_at: i64,
    pub tally: MetricTally,
}

/// The minute `now` falls in, as a rollup's `bucket_start`.
#[must_use]
pub fn metric_bucket(now: i64) -> i64 {
    now - now.rem_euclid(60_000)
}

/// The summary of one task's attempts, durations in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMetrics {
    pub count: i64,
    pub success_count: i64,
    pub failure_count: i64,
    pub avg_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
}

#[allow(
    clippy::cast_precision_loss,
    reason = "durations in us fit f64 exactly"
)]
fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

impl TaskMetrics {
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "counts fit f64 exactly")]
    pub fn of(tally: &MetricTally) -> Self {
        let pct = |q| {
            let us = tally.histogram.quantile(q).unwrap_or(0);
            ms(us.clamp(tally.min_us, tally.max_us.max(tally.min_us)))
        };
        Self {
            count: tally.count,
            success_count: tally.success_count,
            failure_count: tally.failure_count,
            avg_ms: if tally.count == 0 {
                0.0
            } else {
                ms(tally.sum_us) / tally.count as f64
            },
            p50_ms: pct(0.50),
            p95_ms: pct(0.95),
            p99_ms: pct(0.99),
            min_ms: ms(tally.min_us),
            max_ms: ms(tally.max_us),
        }
    }
}

/// Merges rollups per task and summarises each task.
#[must_use]
pub fn summarize(rollups: &[MetricRollup]) -> BTreeMap<String, TaskMetrics> {
    let mut tallies: HashMap<&str, MetricTally> = HashMap::new();
    for r in rollups {
        tallies
            .entry(r.task_name.as_str())
            .or_default()
            .merge(&r.tally);
    }
    tallies
        .into_iter()
        .filter(|(_, t)| t.count > 0)
        .map(|(task, t)| (task.to_owned(), TaskMetrics::of(&t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(durations_us: &[i64], failures: usize) -> MetricTally {
        let mut t = MetricTally::default();
        for (i, us) in durations_us.iter().enumerate() {
            t.record(*us, i >= failures);
        }
        t
    }

    #[test]
    fn percentiles_are_never_below_the_truth_and_within_a_bucket_above() {
        let durations: Vec<i64> = (1..=100).map(|i| i * 1_000).collect();
        let m = TaskMetrics::of(&tally(&durations, 0));
        assert_eq!((m.count, m.min_ms, m.max_ms), (100, 1.0, 100.0));
        assert!((m.avg_ms - 50.5).abs() < 1e-9);
        for (got, truth) in [(m.p50_ms, 50.0), (m.p95_ms, 95.0), (m.p99_ms, 99.0)] {
            assert!(got >= truth && got <= truth * 1.045, "{got} vs {truth}");
        }
    }

    #[test]
    fn one_value_reads_back_exactly() {
        let m = TaskMetrics::of(&tally(&[20_500], 0));
        assert_eq!((m.p50_ms, m.p99_ms, m.min_ms), (20.5, 20.5, 20.5));
    }

    #[test]
    fn merge_and_summarize_add_up_per_task() {
        let rollup = |task: &str, t| MetricRollup {
            worker_id: "w".into(),
            task_name: task.into(),
            bucket_start: 0,
            last_at: 0,
            tally: t,
        };
        let rows = [
            rollup("a", tally(&[1_000, 3_000], 1)),
            rollup("a", tally(&[2_000], 0)),
            rollup("b", tally(&[5_000], 1)),
        ];
        let s = summarize(&rows);
        assert_eq!(s["a"].count, 3);
        assert_eq!((s["a"].success_count, s["a"].failure_count), (2, 1));
        assert_eq!((s["a"].min_ms, s["a"].max_ms), (1.0, 3.0));
        assert_eq!((s["b"].success_count, s["b"].failure_count), (0, 1));
    }

    #[test]
    fn histogram_text_round_trips() {
        let t = tally(&[1, 10, 10, 1_000_000, 0], 0);
        let text = t.histogram.encode();
        assert_eq!(Histogram::decode(&text), t.histogram);
        assert_eq!(Histogram::decode("x,3:y,,"), Histogram::default());
    }

    #[test]
    fn buckets_are_minutes() {
        assert_eq!(metric_bucket(1_700_000_099_999), 1_700_000_040_000);
        assert_eq!(metric_bucket(1_700_000_100_000), 1_700_000_100_000);
        assert_eq!(metric_bucket(120_000), 120_000);
    }
}
