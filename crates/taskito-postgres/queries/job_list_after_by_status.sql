-- Like job_list_after.sql for one state ($6), walking jobs_status_created.
SELECT id, queue, task_name, status, priority, created_at, scheduled_at,
       started_at, completed_at, attempt, retry_count, max_retries, backoff_ms,
       timeout_ms, crash_count, lease_owner, lease_expires_at, error, progress,
       unique_key, metadata, expires_at, result_ttl_ms, cancel_requested,
       payload, result
FROM jobs
WHERE status = $6
  AND (created_at, seq) <
      ($4::bigint, coalesce((SELECT seq FROM jobs WHERE id = $5 AND created_at = $4), 0))
  AND ($1::text IS NULL OR queue = $1)
  AND ($2::text IS NULL OR task_name = $2)
ORDER BY created_at DESC, seq DESC
LIMIT $3
