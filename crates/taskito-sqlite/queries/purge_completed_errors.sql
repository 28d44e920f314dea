-- ?1 before. Runs just before purge_completed_jobs.sql in the same
-- transaction, so the recorded errors of purged jobs go with them.
DELETE FROM job_errors
WHERE job_id IN (
    SELECT id FROM jobs INDEXED BY jobs_completed_at
    WHERE status = 'complete' AND completed_at < ?1
)
