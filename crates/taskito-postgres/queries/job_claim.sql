-- $1 worker id, $2 lease end, $3 now, $4 queue names, $5 limit, $6 claim
-- token, $7 the error of expired jobs (taskito_core::EXPIRED_ERROR; the rule
-- is Store::job_claim's). The whole claim is this one statement, run on its
-- own (autocommit: one round trip):
-- - `expired`: pending jobs whose deadline passed can no longer start; they
--   fail for good (not dead-lettered), through the partial index
--   jobs_pending_expiry (empty unless jobs carry a deadline);
-- - `claimed`: the inner SELECT walks the partial index jobs_ready in claim
--   order and locks up to LIMIT ready rows, skipping rows that another claim
--   holds (SKIP LOCKED) instead of waiting for them; a row is re-checked
--   against the WHERE clause once locked, so a job another claim took in the
--   meantime is skipped too. Jobs expiring now are left out, so the two parts
--   never touch the same row.
-- The locked ids come back as one array (`= ANY(ARRAY(...))`), which the
-- UPDATE looks up through the primary key: a join there would let the
-- planner choose (for a generic plan, whose LIMIT it cannot see) a hash join
-- over a scan of the whole table, finished jobs included.
-- Jobs that have dependents are not expired here but listed (`parents`): the
-- caller expires them and cancels their dependents in one transaction, so a
-- process dying in between cannot leave dependents of an expired job pending
-- forever (the next claim lists the still-pending job again).
-- One row per claimed job, or a single row of NULLs when none was claimed;
-- the last two columns count the expired jobs and list the expiring jobs that
-- have dependents (NULL when none). RETURNING does not keep the inner
-- order: the caller sorts. Its columns need no alias: the UPDATE has no FROM,
-- so they can only name the updated row.
WITH expired AS (
    UPDATE jobs
    SET status = 'failed',
        error = $7,
        completed_at = $3
    WHERE id = ANY(ARRAY(
        SELECT id FROM jobs
        WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at < $3
          AND dependents = 0
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING id
), parents AS (
    SELECT array_agg(id) AS ids
    FROM jobs
    WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at < $3
      AND dependents > 0
), claimed AS (
    UPDATE jobs AS j
    SET status = 'running',
        attempt = j.attempt + 1,
        lease_owner = $1,
        lease_expires_at = $2,
        started_at = $3,
        claim_token = $6
    WHERE j.id = ANY(ARRAY(
        SELECT id
        FROM jobs
        WHERE status = 'pending'
          AND waiting_on = 0
          AND scheduled_at <= $3
          AND queue = ANY($4::text[])
          AND (expires_at IS NULL OR expires_at >= $3)
        ORDER BY priority DESC, scheduled_at, id
        LIMIT $5
        FOR UPDATE SKIP LOCKED
    ))
    RETURNING {job_columns}
)
SELECT claimed.*, counted.expired, parents.ids
FROM (SELECT count(*) AS expired FROM expired) AS counted
CROSS JOIN parents
LEFT JOIN claimed ON true
