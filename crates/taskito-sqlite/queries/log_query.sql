-- ?2 / ?3: task name / level, or NULL for any. ?4: limit (-1: none).
SELECT id, job_id, task_name, level, message, extra, logged_at
FROM job_logs
WHERE logged_at >= ?1
  AND (?2 IS NULL OR task_name = ?2)
  AND (?3 IS NULL OR level = ?3)
ORDER BY logged_at DESC, id DESC
LIMIT ?4
