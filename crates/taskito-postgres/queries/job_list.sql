-- $1 queue or NULL, $2 task name or NULL, $3 limit or NULL (no limit),
-- $4 offset. All states, newest first.
SELECT {job_columns}
FROM jobs
WHERE ($1::text IS NULL OR queue = $1)
  AND ($2::text IS NULL OR task_name = $2)
ORDER BY created_at DESC, seq DESC
LIMIT $3 OFFSET $4
