-- $1 job id, $2 attempt (fencing token), $3 error, $4 now. The task stopped on
-- request: a final state that is not dead-lettered; the retry count is kept.
-- The attempt is recorded with its error. Returns the job's count of
-- dependents; 0 rows when fenced.
WITH stopped AS (
    UPDATE jobs
    SET status = 'cancelled',
        error = $3,
        completed_at = $4,
        lease_owner = NULL,
        lease_expires_at = NULL
    WHERE id = $1 AND attempt = $2 AND status = 'running'
    RETURNING id, dependents
), recorded AS (
    INSERT INTO job_errors (job_id, attempt, error, failed_at)
    SELECT id, $2, $3, $4 FROM stopped
)
SELECT dependents FROM stopped
