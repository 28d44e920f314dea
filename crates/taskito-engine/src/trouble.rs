use std::time::{Duration, Instant};

use taskito_core::Error;

/// A run of storage failures seen by one engine thread. It prints one line when
/// the trouble starts and one when it ends, and decides when to give up: at once
/// for a database that can no longer be used (read-only, removed, damaged), never
/// for a database server out of reach (it comes back: restarts, failovers), after
/// `budget` for anything else (a full disk, a lock held for minutes).
#[derive(Debug)]
pub(crate) struct Trouble {
    what: &'static str,
    budget: Duration,
    since: Option<Instant>,
}

impl Trouble {
    pub(crate) fn new(what: &'static str, budget: Duration) -> Self {
        Self {
            what,
            budget,
            since: None,
        }
    }

    /// The last attempt worked.
    pub(crate) fn cleared(&mut self) {
        if self.since.take().is_some() {
            eprintln!("[taskito] {} works again", self.what);
        }
    }

    /// The last attempt failed with `error`. True when the worker should stop.
    pub(crate) fn failed(&mut self, error: &Error) -> bool {
        if matches!(error, Error::ReadOnly(..) | Error::Corrupt(..)) {
            return true;
        }
        let patient = matches!(error, Error::Unavailable(..));
        let what = self.what;
        let since = *self.since.get_or_insert_with(|| {
            eprintln!("[taskito] {what} failed, retrying: {error}");
            Instant::now()
        });
        !patient && since.elapsed() >= self.budget
    }
}

#[cfg(test)]
mod tests {
    use super::Trouble;
    use std::time::Duration;
    use taskito_core::Error;

    #[test]
    fn unusable_database_stops_at_once_transient_trouble_within_budget_does_not() {
        let mut t = Trouble::new("claiming jobs", Duration::from_secs(3600));
        assert!(!t.failed(&Error::StorageFull("disk".into(), None)));
        assert!(t.since.is_some());
        assert!(t.failed(&Error::ReadOnly("gone".into(), None)));
        t.cleared();
        assert!(t.since.is_none());
    }

    #[test]
    fn trouble_past_its_budget_stops_but_an_unreachable_server_is_waited_for() {
        let mut t = Trouble::new("claiming jobs", Duration::ZERO);
        assert!(!t.failed(&Error::Unavailable("cannot reach PostgreSQL".into(), None)));
        assert!(t.failed(&Error::StorageFull("disk".into(), None)));
    }
}
