-- $1 new job id, $2 dead-letter id, $3 now. Takes the entry out and enqueues
-- a fresh job from it in one statement: no retries spent, runnable now, no
-- unique key (the original key may be live again by now). Two concurrent
-- retries of one entry make one job: the second DELETE finds nothing.
WITH letter AS (
    DELETE FROM dead_letters WHERE id = $2
    RETURNING queue, task_name, priority, max_retries, backoff_ms, timeout_ms,
              metadata, result_ttl_ms, payload
)
INSERT INTO jobs (
    id, queue, task_name, status, priority, created_at, scheduled_at,
    max_retries, backoff_ms, timeout_ms, metadata, result_ttl_ms, payload
)
SELECT $1, queue, task_name, 'pending', priority, $3, $3,
       max_retries, backoff_ms, timeout_ms, metadata, result_ttl_ms, payload
FROM letter
