-- $2 / $3: task name / level, or NULL for any. $4: limit, or NULL for none.
SELECT id, job_id, task_name, level, message, extra, logged_at
FROM job_logs
WHERE logged_at >= $1
  AND ($2::text IS NULL OR task_name = $2)
  AND ($3::text IS NULL OR level = $3)
ORDER BY logged_at DESC, id DESC
LIMIT $4
