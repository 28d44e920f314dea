-- ?1 now. First step of a rescue: running jobs whose lease ended before now
-- count one more crash (never a failed attempt). The caller then releases or
-- quarantines each returned job, fenced by its attempt, in the same
-- transaction.
UPDATE jobs INDEXED BY jobs_leases
SET crash_count = crash_count + 1
WHERE status = 'running' AND lease_expires_at < ?1
RETURNING id, attempt, crash_count
