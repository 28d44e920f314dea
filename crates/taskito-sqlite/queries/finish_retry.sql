-- ?1 job id, ?2 attempt (fencing token), ?3 error, ?4 run again at.
UPDATE jobs
SET status = 'pending',
    retry_count = retry_count + 1,
    scheduled_at = ?4,
    error = ?3,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = ?1 AND attempt = ?2 AND status = 'running'
