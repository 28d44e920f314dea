-- $1 job id. Oldest first.
SELECT id, job_id, attempt, error, failed_at
FROM job_errors
WHERE job_id = $1
ORDER BY id
