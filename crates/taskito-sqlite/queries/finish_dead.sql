-- Returns the job's count of dependents (no row when fenced).
-- ?1 job id, ?2 attempt (fencing token), ?3 error, ?4 now. The retry count is
-- left as is: the dead letter records how many retries were spent.
UPDATE jobs
SET status = 'dead',
    error = ?3,
    completed_at = ?4,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = ?1 AND attempt = ?2 AND status = 'running'
RETURNING dependents
