INSERT INTO job_logs (job_id, task_name, level, message, extra, logged_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
