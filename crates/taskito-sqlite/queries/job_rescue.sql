-- ?1 now. Leases that ended before now go back to pending; the interruption
-- counts as a crash, not as a failed attempt.
UPDATE jobs INDEXED BY jobs_leases
SET status = 'pending',
    crash_count = crash_count + 1,
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE status = 'running' AND lease_expires_at < ?1
