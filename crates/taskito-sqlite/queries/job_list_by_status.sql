-- One state, newest first; walks jobs_status_created backwards within the state.
SELECT {job_columns}
FROM jobs INDEXED BY jobs_status_created
WHERE status = ?5
  AND (?1 IS NULL OR queue = ?1)
  AND (?2 IS NULL OR task_name = ?2)
ORDER BY created_at DESC, rowid DESC
LIMIT ?3 OFFSET ?4
