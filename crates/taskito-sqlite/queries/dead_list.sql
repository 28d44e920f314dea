-- Newest first, without payloads. A negative LIMIT means no limit.
SELECT id, original_job_id, queue, task_name, error, retry_count, failed_at, metadata
FROM dead_letters
ORDER BY failed_at DESC, rowid DESC
LIMIT ?1 OFFSET ?2
