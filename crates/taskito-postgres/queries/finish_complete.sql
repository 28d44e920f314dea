-- $1 job id, $2 attempt (fencing token), $3 result, $4 now. Returns the
-- job's count of dependents (no row when fenced).
UPDATE jobs
SET status = 'complete',
    result = $3,
    completed_at = $4,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = $1 AND attempt = $2 AND status = 'running'
RETURNING dependents
