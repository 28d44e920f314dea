-- Like job_list.sql for one state ($5), walking jobs_status_created.
SELECT {job_columns}
FROM jobs
WHERE status = $5
  AND ($1::text IS NULL OR queue = $1)
  AND ($2::text IS NULL OR task_name = $2)
ORDER BY created_at DESC, seq DESC
LIMIT $3 OFFSET $4
