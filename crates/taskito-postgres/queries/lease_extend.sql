-- $1 worker id, $2 new lease end. Never shortens a lease. SKIP LOCKED: a job
-- locked right now is being finished, rescued or updated by its task; its
-- lease is extended at the next beat if it still runs (a lease spans many
-- beats), and the heartbeat never waits or deadlocks on it.
UPDATE jobs AS j
SET lease_expires_at = $2
WHERE j.id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE status = 'running' AND lease_owner = $1 AND lease_expires_at < $2
    FOR UPDATE SKIP LOCKED
))
