-- All states, newest first; walks jobs_created backwards and stops at LIMIT.
-- A NULL filter matches everything. A negative LIMIT means no limit.
SELECT {job_columns}
FROM jobs INDEXED BY jobs_created
WHERE (?1 IS NULL OR queue = ?1)
  AND (?2 IS NULL OR task_name = ?2)
ORDER BY created_at DESC, rowid DESC
LIMIT ?3 OFFSET ?4
