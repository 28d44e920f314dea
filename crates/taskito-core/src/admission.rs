//! The one shape of [`crate::Store::rate_acquire`],
//! [`crate::Store::breaker_admit`] and [`crate::Store::breaker_record`] on
//! every backend: **load, decide, save**. Inside one write transaction the
//! backend loads the stored state (locking it against concurrent callers, so
//! that two stores on one database take turns between the load and the
//! save), hands it to the function here, and writes back what the function
//! says changed. The decisions, including when no write is needed at all, are
//! made here and nowhere else.

use crate::{Admission, Breaker, BreakerConfig, BreakerState};

/// What one [`crate::Store::rate_acquire`] call loads: the slot reserved for
/// its job by an earlier call, and the limit's next free slot (`None` when no
/// slot of the limit was ever taken).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateState {
    pub reserved: Option<i64>,
    pub next_at: Option<i64>,
}

/// What to do with the job's reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Leave it as loaded (none, or one still to come).
    Keep,
    /// Its slot has come: delete it (used up).
    UseUp,
    /// Reserve this slot for the job.
    Reserve(i64),
}

/// The decision of one [`crate::Store::rate_acquire`] call and what it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub admission: Admission,
    pub reservation: Reservation,
    /// The limit's new next free slot, when a slot was taken (`None`: leave it).
    pub next_at: Option<i64>,
}

/// Decides a rate-limit call on the loaded state (see
/// [`crate::Store::rate_acquire`]): a reservation that has come is used up
/// and the job runs; one still to come makes the job wait for it; without a
/// reservation the next free slot, `max(next_at, now)`, is taken and the
/// limit's next slot moves `interval_ms` after it; the job runs if that slot
/// is `now`, or else reserves it and waits.
#[must_use]
pub fn decide_rate(loaded: RateState, interval_ms: i64, now: i64) -> RateDecision {
    if let Some(slot) = loaded.reserved {
        return if slot > now {
            RateDecision {
                admission: Admission::Delay(slot),
                reservation: Reservation::Keep,
                next_at: None,
            }
        } else {
            RateDecision {
                admission: Admission::Run,
                reservation: Reservation::UseUp,
                next_at: None,
            }
        };
    }
    let slot = loaded.next_at.map_or(now, |next| next.max(now));
    let next_at = Some(slot.saturating_add(interval_ms.max(1)));
    if slot <= now {
        RateDecision {
            admission: Admission::Run,
            reservation: Reservation::Keep,
            next_at,
        }
    } else {
        RateDecision {
            admission: Admission::Delay(slot),
            reservation: Reservation::Reserve(slot),
            next_at,
        }
    }
}

/// Whether [`crate::Store::breaker_admit`] must take the write transaction,
/// given the breaker as read without one: a closed or unknown breaker (the
/// common case) admits the job on that read alone, writing nothing.
#[must_use]
pub fn admit_needs_write(read: Option<&Breaker>) -> bool {
    read.is_some_and(|b| b.state != BreakerState::Closed)
}

/// Whether [`crate::Store::breaker_record`] must take the write transaction,
/// given the breaker as read without one: a failure always writes; a success
/// changes only a half-open breaker (its trial may have succeeded).
#[must_use]
pub fn record_needs_write(read: Option<&Breaker>, failed: bool) -> bool {
    failed || read.is_some_and(|b| b.state == BreakerState::HalfOpen)
}

/// Decides [`crate::Store::breaker_admit`] on the breaker loaded under the
/// write lock ([`Breaker::admit`]); returns the admission and the breaker to
/// save when it changed. An unknown breaker admits and saves nothing.
#[must_use]
pub fn decide_admit(
    loaded: Option<Breaker>,
    config: &BreakerConfig,
    job_id: &str,
    now: i64,
) -> (Admission, Option<Breaker>) {
    let Some(mut breaker) = loaded else {
        return (Admission::Run, None);
    };
    let (admission, changed) = breaker.admit(config, job_id, now);
    (admission, changed.then_some(breaker))
}

/// Decides [`crate::Store::breaker_record`] on the breaker of `task` loaded
/// under the write lock ([`Breaker::record`]; an unknown one starts closed);
/// returns the breaker to save when it changed.
#[must_use]
pub fn decide_record(
    loaded: Option<Breaker>,
    task: &str,
    config: &BreakerConfig,
    job_id: &str,
    failed: bool,
    now: i64,
) -> Option<Breaker> {
    let mut breaker = loaded.unwrap_or_else(|| Breaker::new(task, config));
    breaker
        .record(config, job_id, failed, now)
        .then_some(breaker)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: BreakerConfig = BreakerConfig {
        threshold: 1,
        window_ms: 1_000,
        cooldown_ms: 100,
    };

    #[test]
    fn a_first_slot_runs_and_moves_the_next_one() {
        let d = decide_rate(RateState::default(), 50, 1_000);
        assert_eq!(d.admission, Admission::Run);
        assert_eq!((d.reservation, d.next_at), (Reservation::Keep, Some(1_050)));
    }

    #[test]
    fn a_taken_slot_is_reserved_and_waited_for() {
        let loaded = RateState {
            reserved: None,
            next_at: Some(1_050),
        };
        let d = decide_rate(loaded, 50, 1_010);
        assert_eq!(d.admission, Admission::Delay(1_050));
        assert_eq!(
            (d.reservation, d.next_at),
            (Reservation::Reserve(1_050), Some(1_100))
        );
        let early = decide_rate(
            RateState {
                reserved: Some(1_050),
                next_at: Some(1_100),
            },
            50,
            1_020,
        );
        assert_eq!(early.admission, Admission::Delay(1_050));
        assert_eq!(
            (early.reservation, early.next_at),
            (Reservation::Keep, None)
        );
        let due = decide_rate(
            RateState {
                reserved: Some(1_050),
                next_at: Some(1_100),
            },
            50,
            1_050,
        );
        assert_eq!(due.admission, Admission::Run);
        assert_eq!((due.reservation, due.next_at), (Reservation::UseUp, None));
    }

    #[test]
    fn an_idle_limit_starts_from_now() {
        let loaded = RateState {
            reserved: None,
            next_at: Some(10),
        };
        let d = decide_rate(loaded, 50, 1_000);
        assert_eq!((d.admission, d.next_at), (Admission::Run, Some(1_050)));
    }

    #[test]
    fn closed_and_unknown_breakers_are_only_read() {
        let closed = Breaker::new("t", &CFG);
        assert!(!admit_needs_write(None));
        assert!(!admit_needs_write(Some(&closed)));
        let mut open = closed.clone();
        assert!(open.record(&CFG, "a", true, 0));
        assert!(admit_needs_write(Some(&open)));
        assert!(!record_needs_write(Some(&open), false));
        assert!(record_needs_write(None, true));
        let (admission, save) = decide_admit(Some(open), &CFG, "b", 100);
        assert_eq!(admission, Admission::Run);
        let half_open = save.expect("the probe is recorded");
        assert_eq!(half_open.state, BreakerState::HalfOpen);
        assert!(record_needs_write(Some(&half_open), false));
        assert_eq!(decide_admit(None, &CFG, "c", 0), (Admission::Run, None));
    }

    #[test]
    fn a_success_on_an_unknown_breaker_saves_nothing() {
        assert_eq!(decide_record(None, "t", &CFG, "a", false, 0), None);
        let saved = decide_record(None, "t", &CFG, "a", true, 0).expect("a failure is saved");
        assert_eq!(saved.state, BreakerState::Open);
    }
}
