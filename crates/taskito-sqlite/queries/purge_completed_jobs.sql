-- ?1 before.
DELETE FROM jobs INDEXED BY jobs_completed_at
WHERE status = 'complete' AND completed_at < ?1
