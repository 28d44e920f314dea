-- $1 job id. Column order is the one rows::job reads.
SELECT id, queue, task_name, status, priority, created_at, scheduled_at,
       started_at, completed_at, attempt, retry_count, max_retries, backoff_ms,
       timeout_ms, crash_count, lease_owner, lease_expires_at, error, progress,
       unique_key, metadata, expires_at, result_ttl_ms, cancel_requested,
       payload, result
FROM jobs
WHERE id = $1
