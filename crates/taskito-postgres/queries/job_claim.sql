-- $1 worker id, $2 lease end, $3 now, $4 queue names, $5 limit, $6 claim
-- token. One statement: the inner SELECT walks the partial index jobs_ready in
-- claim order and locks up to LIMIT ready rows, skipping rows that another
-- claim holds (SKIP LOCKED) instead of waiting for them; a row is re-checked
-- against the WHERE clause once locked, so a job another claim took in the
-- meantime is skipped too. RETURNING does not keep the inner order: the
-- caller sorts. Column order is the one rows::job reads.
UPDATE jobs AS j
SET status = 'running',
    attempt = j.attempt + 1,
    lease_owner = $1,
    lease_expires_at = $2,
    started_at = $3,
    claim_token = $6
FROM (
    SELECT id
    FROM jobs
    WHERE status = 'pending'
      AND scheduled_at <= $3
      AND queue = ANY($4::text[])
    ORDER BY priority DESC, scheduled_at, id
    LIMIT $5
    FOR UPDATE SKIP LOCKED
) AS ready
WHERE j.id = ready.id
RETURNING j.id, j.queue, j.task_name, j.status, j.priority, j.created_at,
          j.scheduled_at, j.started_at, j.completed_at, j.attempt, j.retry_count,
          j.max_retries, j.backoff_ms, j.timeout_ms, j.crash_count, j.lease_owner,
          j.lease_expires_at, j.error, j.progress, j.unique_key, j.metadata,
          j.expires_at, j.result_ttl_ms, j.cancel_requested, j.payload, j.result
