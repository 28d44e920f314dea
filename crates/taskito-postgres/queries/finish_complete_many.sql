-- $1 job ids, $2 attempts (fencing tokens), $3 results, $4 now: many
-- Complete outcomes of distinct jobs in one statement (one round trip for a
-- whole group commit). Each applies only while its job is running with that
-- attempt; the one row returned counts how many applied. Completed jobs that
-- have dependents release them in the same statement (`released`: an empty
-- array, and so no work, when none has).
WITH finished AS (
    UPDATE jobs AS j
    SET status = 'complete',
        result = done.result,
        completed_at = $4,
        lease_owner = NULL,
        lease_expires_at = NULL
    FROM unnest($1::text[], $2::int4[], $3::bytea[]) AS done (id, attempt, result)
    WHERE j.id = done.id AND j.attempt = done.attempt AND j.status = 'running'
    RETURNING j.id, j.dependents
), parents AS (
    SELECT ARRAY(SELECT id FROM finished WHERE dependents > 0) AS ids
), released AS (
    UPDATE jobs AS w
    SET waiting_on = w.waiting_on - (
        SELECT count(*)::int FROM job_dependencies AS d, parents
        WHERE d.job_id = w.id AND d.depends_on = ANY(parents.ids)
    )
    WHERE w.id = ANY(ARRAY(
        SELECT d.job_id FROM job_dependencies AS d, parents
        WHERE d.depends_on = ANY(parents.ids)
    ))
      AND w.status = 'pending'
      AND w.waiting_on > 0
)
SELECT count(*) FROM finished
