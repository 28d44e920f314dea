-- One statement for the whole batch: one array per column, unnested in input
-- order (the ORDER BY fixes the order rows are inserted in, so of several
-- jobs of one batch that share a unique key the first one wins). A live unique
-- key inserts nothing for that job; RETURNING names the jobs inserted, and the
-- caller maps the others to the live holder of their key. A duplicate id
-- fails the statement (jobs_pkey).
INSERT INTO jobs (
    id, queue, task_name, status, priority, created_at, scheduled_at,
    max_retries, backoff_ms, timeout_ms, unique_key, metadata, expires_at,
    result_ttl_ms, payload
)
SELECT id, queue, task_name, 'pending', priority, created_at, scheduled_at,
       max_retries, backoff_ms, timeout_ms, unique_key, metadata, expires_at,
       result_ttl_ms, payload
FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::int4[], $5::int8[], $6::int8[],
    $7::int4[], $8::int8[], $9::int8[], $10::text[], $11::text[], $12::int8[],
    $13::int8[], $14::bytea[]
) WITH ORDINALITY AS batch (
    id, queue, task_name, priority, created_at, scheduled_at,
    max_retries, backoff_ms, timeout_ms, unique_key, metadata, expires_at,
    result_ttl_ms, payload, position
)
ORDER BY position
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running')
DO NOTHING
RETURNING id
