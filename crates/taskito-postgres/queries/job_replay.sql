-- $1 new job id, $2 original job id, $3 now. A fresh job doing the same work
-- with the same settings: no attempt, retry or crash spent, runnable now, no
-- unique key and no deadline of its own. Its metadata names the original
-- (to_json escapes the id as a JSON string). The replay history row is
-- written by the same statement. 0 rows for an unknown id.
WITH copy AS (
    INSERT INTO jobs (
        id, queue, task_name, status, priority, created_at, scheduled_at,
        max_retries, backoff_ms, timeout_ms, metadata, result_ttl_ms, payload
    )
    SELECT $1, queue, task_name, 'pending', priority, $3, $3,
           max_retries, backoff_ms, timeout_ms,
           '{"replayed_from": ' || to_json($2::text)::text || '}',
           result_ttl_ms, payload
    FROM jobs
    WHERE id = $2
    RETURNING id
)
INSERT INTO replay_history (original_job_id, replay_job_id, replayed_at)
SELECT $2, id, $3 FROM copy
