-- $1 job id, $2 attempt (fencing token), $3 error, $4 run again at, $5 now.
-- The job goes back to pending and the failed attempt is recorded, in one
-- statement; when the attempt no longer holds the job nothing is written and
-- the statement reports 0 rows.
WITH retried AS (
    UPDATE jobs
    SET status = 'pending',
        retry_count = retry_count + 1,
        scheduled_at = $4,
        error = $3,
        lease_owner = NULL,
        lease_expires_at = NULL
    WHERE id = $1 AND attempt = $2 AND status = 'running'
    RETURNING id
)
INSERT INTO job_errors (job_id, attempt, error, failed_at)
SELECT id, $2, $3, $5 FROM retried
