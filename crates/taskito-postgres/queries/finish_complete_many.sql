-- $1 job ids, $2 attempts (fencing tokens), $3 results, $4 now: many
-- Complete outcomes of distinct jobs in one statement (one round trip for a
-- whole group commit). Each applies only while its job is running with that
-- attempt; the one row returned counts how many applied. Completed jobs that
-- have dependents release them in the same statement (`released`: an empty
-- array, and so no work, when none has; the arrays keep the lookups on the
-- indexes of job_dependencies, however many edges it holds). The row also
-- says how many edges the completed jobs have (their `dependents`) and how
-- many this statement saw: a dependent whose insert committed while this
-- statement waited for its dependency's row is not in the statement's
-- snapshot; the caller then recounts (queries/dependency_recount.sql).
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
), released AS (
    UPDATE jobs AS w
    SET waiting_on = w.waiting_on - (
        SELECT count(*)::int FROM job_dependencies AS d
        WHERE d.job_id = w.id
          AND d.depends_on = ANY(ARRAY(SELECT id FROM finished WHERE dependents > 0))
    )
    WHERE w.id = ANY(ARRAY(
        SELECT job_id FROM job_dependencies
        WHERE depends_on = ANY(ARRAY(SELECT id FROM finished WHERE dependents > 0))
    ))
      AND w.status = 'pending'
      AND w.waiting_on > 0
)
SELECT count(*),
       coalesce(sum(dependents), 0)::int8,
       (SELECT count(*) FROM job_dependencies
        WHERE depends_on = ANY(ARRAY(SELECT id FROM finished WHERE dependents > 0))),
       ARRAY(SELECT id FROM finished WHERE dependents > 0)
FROM finished
