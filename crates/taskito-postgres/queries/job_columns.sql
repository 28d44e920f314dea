-- The columns of a job row: the one list, spliced into every statement that
-- returns jobs where it says job_columns in braces (src/job_queries.rs).
-- rows::JobColumns reads them by name. A new job column goes here, in a
-- migration and in that reader; a test checks that the three agree.
id, queue, task_name, status, priority, created_at, scheduled_at,
started_at, completed_at, attempt, retry_count, max_retries, backoff_ms,
timeout_ms, crash_count, lease_owner, lease_expires_at, error, progress,
unique_key, metadata, expires_at, result_ttl_ms, cancel_requested,
payload, result
