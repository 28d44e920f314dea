//! Rules every backend applies the same way, decided here once: what a row
//! limit of 0 means, how a claim ends a job whose deadline passed, and what
//! the jobs waiting for a job that will never complete are told. The
//! [`crate::Store`] docs state them; the backends call these.

use crate::ClaimRequest;

/// A row limit as the [`crate::Store`] methods take it (`JobFilter::limit`,
/// `LogFilter::limit`, [`crate::Store::dead_list`]'s and
/// [`crate::Store::job_completion_series`]' `limit`): 0 means no limit
/// (`None`), any other value at most that many rows.
#[must_use]
pub fn row_limit(limit: u32) -> Option<u32> {
    (limit != 0).then_some(limit)
}

impl ClaimRequest {
    /// Whether this claim can take nothing (a `limit` of 0, or no queues). A
    /// claim's limit is a number of slots, not a row limit: 0 claims nothing,
    /// and such a claim changes nothing (it does not expire jobs either).
    #[must_use]
    pub fn claims_nothing(&self) -> bool {
        self.limit == 0 || self.queues.is_empty()
    }
}

/// The error of a pending job that a claim found past its `expires_at`: it
/// becomes `failed` with this error (see [`crate::Store::job_claim`]).
pub const EXPIRED_ERROR: &str = "expired before it could run";

/// Whether a pending job with this deadline can no longer start at `now`: its
/// `expires_at` is before `now` (a job may still start at exactly its
/// `expires_at`; no deadline never expires).
#[must_use]
pub fn is_expired(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_some_and(|deadline| deadline < now)
}

/// How a job ended without completing, as the error of the pending jobs that
/// waited for it (and are cancelled for it) says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyEnd {
    /// It became `dead`.
    Dead,
    /// A claim found it past its `expires_at` (it became `failed`).
    Expired,
    /// It was cancelled (or cancelled for one of its own dependencies).
    Cancelled,
}

impl DependencyEnd {
    /// The error of a job cancelled because its dependency `parent` ended so:
    /// `"cancelled: dependency <parent> <how>"`.
    #[must_use]
    pub fn dependent_error(self, parent: &str) -> String {
        let how = match self {
            Self::Dead => "died",
            Self::Expired => EXPIRED_ERROR,
            Self::Cancelled => "was cancelled",
        };
        format!("cancelled: dependency {parent} {how}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_no_limit() {
        assert_eq!(row_limit(0), None);
        assert_eq!(row_limit(7), Some(7));
    }

    #[test]
    fn expiry_is_strictly_after_the_deadline() {
        assert!(!is_expired(None, i64::MAX));
        assert!(!is_expired(Some(10), 10));
        assert!(is_expired(Some(10), 11));
    }

    #[test]
    fn dependents_are_told_how_their_dependency_ended() {
        assert_eq!(
            DependencyEnd::Expired.dependent_error("j1"),
            "cancelled: dependency j1 expired before it could run"
        );
        assert_eq!(
            DependencyEnd::Dead.dependent_error("j2"),
            "cancelled: dependency j2 died"
        );
    }

    #[test]
    fn an_empty_claim_claims_nothing() {
        let req = |limit, queues: &[&str]| ClaimRequest {
            worker_id: "w".to_owned(),
            queues: queues.iter().map(|q| (*q).to_owned()).collect(),
            limit,
            now: 0,
            lease_ms: 1,
        };
        assert!(req(0, &["q"]).claims_nothing());
        assert!(req(3, &[]).claims_nothing());
        assert!(!req(1, &["q"]).claims_nothing());
    }
}
