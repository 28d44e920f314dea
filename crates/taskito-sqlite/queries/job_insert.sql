-- A conflict on the live unique key inserts nothing (changes() = 0); the caller
-- then looks up the live job holding the key. A duplicate id still fails loudly.
INSERT INTO jobs (
    id, queue, task_name, status, priority, created_at, scheduled_at,
    max_retries, backoff_ms, timeout_ms, unique_key, metadata, expires_at,
    result_ttl_ms, payload
) VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running')
DO NOTHING
