-- $1 now. First step of a rescue: running jobs whose lease ended before now
-- count one more crash (never a failed attempt). The caller then releases or
-- quarantines each returned job, fenced by its attempt, in the same
-- transaction. SKIP LOCKED: a job being finished or rescued elsewhere right
-- now is left to that transaction (and looked at again next time).
UPDATE jobs AS j
SET crash_count = j.crash_count + 1
WHERE j.id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE status = 'running' AND lease_expires_at < $1
    FOR UPDATE SKIP LOCKED
))
RETURNING j.id, j.attempt, j.crash_count
