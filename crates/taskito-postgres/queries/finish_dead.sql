-- $1 job id, $2 attempt (fencing token), $3 error, $4 now, $5 new dead-letter
-- id. Ends the job for good, records the attempt and copies the job to the
-- dead letters, in one statement (the payload never leaves the server). The
-- retry count is left as is: the dead letter records the retries spent.
-- Returns the job's count of dependents; 0 rows when fenced.
WITH dead AS (
    UPDATE jobs
    SET status = 'dead',
        error = $3,
        completed_at = $4,
        lease_owner = NULL,
        lease_expires_at = NULL
    WHERE id = $1 AND attempt = $2 AND status = 'running'
    RETURNING id, queue, task_name, retry_count, metadata, priority,
              max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload, dependents
), recorded AS (
    INSERT INTO job_errors (job_id, attempt, error, failed_at)
    SELECT id, $2, $3, $4 FROM dead
), lettered AS (
    INSERT INTO dead_letters (
        id, original_job_id, queue, task_name, error, retry_count, failed_at,
        metadata, priority, max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload
    )
    SELECT $5, id, queue, task_name, $3, retry_count, $4,
           metadata, priority, max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload
    FROM dead
)
SELECT dependents FROM dead
