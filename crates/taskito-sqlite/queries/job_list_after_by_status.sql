-- One state (?6), newest first, after the cursor: like job_list_after.sql,
-- walking jobs_status_created.
SELECT {job_columns}
FROM jobs INDEXED BY jobs_status_created
WHERE status = ?6
  AND (created_at, rowid) <
      (?4, coalesce((SELECT rowid FROM jobs WHERE id = ?5 AND created_at = ?4), 0))
  AND (?1 IS NULL OR queue = ?1)
  AND (?2 IS NULL OR task_name = ?2)
ORDER BY created_at DESC, rowid DESC
LIMIT ?3
