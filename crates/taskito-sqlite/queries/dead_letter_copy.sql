-- ?1 new dead-letter id, ?2 job id, ?3 failed at. Copies the payload inside
-- SQLite instead of reading it out and back in.
INSERT INTO dead_letters (
    id, original_job_id, queue, task_name, error, retry_count, failed_at,
    metadata, priority, max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload
)
SELECT ?1, id, queue, task_name, error, retry_count, ?3,
       metadata, priority, max_retries, backoff_ms, timeout_ms, result_ttl_ms, payload
FROM jobs
WHERE id = ?2
