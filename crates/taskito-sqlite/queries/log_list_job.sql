SELECT id, job_id, task_name, level, message, extra, logged_at
FROM job_logs
WHERE job_id = ?1
ORDER BY id
