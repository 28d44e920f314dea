-- ?1 job id, ?2 attempt (fencing token), ?3 run at. The attempt was not
-- started (rate limit, open circuit breaker): back to pending at ?3, no retry
-- spent, no crash counted.
UPDATE jobs
SET status = 'pending',
    scheduled_at = ?3,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = ?1 AND attempt = ?2 AND status = 'running'
