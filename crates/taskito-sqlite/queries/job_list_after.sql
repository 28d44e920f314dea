-- All states, newest first, after the cursor (?4 created_at, ?5 id): keyset
-- paging over jobs_created. The cursor's rowid breaks ties of the same
-- millisecond like job_list.sql does; a vanished cursor job gives rowid 0, so
-- the page starts before its millisecond.
SELECT {job_columns}
FROM jobs INDEXED BY jobs_created
WHERE (created_at, rowid) <
      (?4, coalesce((SELECT rowid FROM jobs WHERE id = ?5 AND created_at = ?4), 0))
  AND (?1 IS NULL OR queue = ?1)
  AND (?2 IS NULL OR task_name = ?2)
ORDER BY created_at DESC, rowid DESC
LIMIT ?3
