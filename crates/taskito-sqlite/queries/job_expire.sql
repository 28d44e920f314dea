-- ?1 now, ?2 the error (taskito_core::EXPIRED_ERROR). Pending jobs whose
-- deadline passed can no longer start: they fail for good (not dead-lettered)
-- before the claim looks at the queue (see Store::job_claim). Served by the
-- partial index jobs_pending_expiry, which is empty unless jobs carry a deadline.
UPDATE jobs INDEXED BY jobs_pending_expiry
SET status = 'failed',
    error = ?2,
    completed_at = ?1
WHERE status = 'pending' AND expires_at < ?1
RETURNING id, dependents
