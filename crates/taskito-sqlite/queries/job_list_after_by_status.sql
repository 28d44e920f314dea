-- One state (?6), newest first, after the cursor: like job_list_after.sql,
-- walking jobs_status_created.
SELECT id, queue, task_name, status, priority, created_at, scheduled_at,
       started_at, completed_at, attempt, retry_count, max_retries, backoff_ms,
       timeout_ms, crash_count, lease_owner, lease_expires_at, error, progress,
       unique_key, metadata, expires_at, result_ttl_ms, cancel_requested,
       payload, result
FROM jobs INDEXED BY jobs_status_created
WHERE status = ?6
  AND (created_at, rowid) <
      (?4, coalesce((SELECT rowid FROM jobs WHERE id = ?5 AND created_at = ?4), 0))
  AND (?1 IS NULL OR queue = ?1)
  AND (?2 IS NULL OR task_name = ?2)
ORDER BY created_at DESC, rowid DESC
LIMIT ?3
