-- ?1 now. Runs just before purge_expired_results_jobs.sql in the same
-- transaction, so the recorded errors of purged jobs go with them.
DELETE FROM job_errors
WHERE job_id IN (
    SELECT id FROM jobs INDEXED BY jobs_result_expiry
    WHERE status = 'complete' AND result_ttl_ms IS NOT NULL
      AND completed_at + result_ttl_ms <= ?1
)
