-- ?1 worker id. Like job_crash_expired.sql for every running job leased to a
-- worker known to be dead, whatever its lease end.
UPDATE jobs INDEXED BY jobs_leases
SET crash_count = crash_count + 1
WHERE status = 'running' AND lease_owner = ?1
RETURNING id, attempt, crash_count
