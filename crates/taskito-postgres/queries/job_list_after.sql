-- $1 queue or NULL, $2 task name or NULL, $3 limit or NULL (no limit), after
-- the cursor ($4 created_at, $5 id): keyset paging over jobs_created. The
-- cursor's seq breaks ties of the same millisecond like job_list.sql does; a
-- vanished cursor job gives seq 0, so the page starts before its millisecond.
SELECT {job_columns}
FROM jobs
WHERE (created_at, seq) <
      ($4::bigint, coalesce((SELECT seq FROM jobs WHERE id = $5 AND created_at = $4), 0))
  AND ($1::text IS NULL OR queue = $1)
  AND ($2::text IS NULL OR task_name = $2)
ORDER BY created_at DESC, seq DESC
LIMIT $3
