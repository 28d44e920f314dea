-- Pending jobs whose deadline passed can no longer start: they fail for good
-- (not dead-lettered) before the claim looks at the queue. Served by the
-- partial index jobs_pending_expiry, which is empty unless jobs carry a deadline.
UPDATE jobs INDEXED BY jobs_pending_expiry
SET status = 'failed',
    error = 'expired before it could run',
    completed_at = ?1
WHERE status = 'pending' AND expires_at < ?1
RETURNING id, dependents
