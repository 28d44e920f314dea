-- $1 now. Pending jobs whose deadline passed can no longer start: they fail
-- for good (not dead-lettered) before the claim looks at the queue. Served by
-- the partial index jobs_pending_expiry, empty unless jobs carry a deadline.
-- SKIP LOCKED: concurrent claims share the work instead of queueing on it.
UPDATE jobs
SET status = 'failed',
    error = 'expired before it could run',
    completed_at = $1
WHERE id IN (
    SELECT id FROM jobs
    WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at < $1
    FOR UPDATE SKIP LOCKED
)
