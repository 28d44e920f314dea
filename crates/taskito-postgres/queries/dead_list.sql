-- $1 limit or NULL (no limit), $2 offset. Newest first, without payloads.
SELECT id, original_job_id, queue, task_name, error, retry_count, failed_at, metadata
FROM dead_letters
ORDER BY failed_at DESC, seq DESC
LIMIT $1 OFFSET $2
