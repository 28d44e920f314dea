-- Like job_list_after.sql for one state ($6), walking jobs_status_created.
SELECT {job_columns}
FROM jobs
WHERE status = $6
  AND (created_at, seq) <
      ($4::bigint, coalesce((SELECT seq FROM jobs WHERE id = $5 AND created_at = $4), 0))
  AND ($1::text IS NULL OR queue = $1)
  AND ($2::text IS NULL OR task_name = $2)
ORDER BY created_at DESC, seq DESC
LIMIT $3
