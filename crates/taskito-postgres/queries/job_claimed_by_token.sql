-- $1 worker id, $2 claim token. The jobs a claim whose commit was lost did
-- claim and still holds (found through jobs_leases).
SELECT id, queue, task_name, status, priority, created_at, scheduled_at,
       started_at, completed_at, attempt, retry_count, max_retries, backoff_ms,
       timeout_ms, crash_count, lease_owner, lease_expires_at, error, progress,
       unique_key, metadata, expires_at, result_ttl_ms, cancel_requested,
       payload, result
FROM jobs
WHERE status = 'running' AND lease_owner = $1 AND claim_token = $2
