-- $1 job ids, $2 attempts (fencing tokens), $3 results, $4 now: many
-- Complete outcomes of distinct jobs in one statement (one round trip for a
-- whole group commit). Each applies only while its job is running with that
-- attempt; the row count is how many applied.
UPDATE jobs AS j
SET status = 'complete',
    result = done.result,
    completed_at = $4,
    lease_owner = NULL,
    lease_expires_at = NULL
FROM unnest($1::text[], $2::int4[], $3::bytea[]) AS done (id, attempt, result)
WHERE j.id = done.id AND j.attempt = done.attempt AND j.status = 'running'
