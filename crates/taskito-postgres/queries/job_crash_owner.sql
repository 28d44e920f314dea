-- $1 worker id. Like job_crash_expired.sql for every running job leased to a
-- worker known to be dead, whatever its lease end.
UPDATE jobs AS j
SET crash_count = j.crash_count + 1
WHERE j.id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE status = 'running' AND lease_owner = $1
    FOR UPDATE SKIP LOCKED
))
RETURNING j.id, j.attempt, j.crash_count
