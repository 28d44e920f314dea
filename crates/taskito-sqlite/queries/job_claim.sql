-- ?1 worker id, ?2 lease end, ?3 now, ?4 JSON array of queue names, ?5 limit.
-- The inner SELECT walks the partial index jobs_ready in claim order and stops
-- after LIMIT matching rows; the UPDATE then touches those rows by rowid.
-- RETURNING does not keep the inner order: the caller sorts.
UPDATE jobs
SET status = 'running',
    attempt = attempt + 1,
    lease_owner = ?1,
    lease_expires_at = ?2,
    started_at = ?3
WHERE rowid IN (
    SELECT rowid
    FROM jobs INDEXED BY jobs_ready
    WHERE status = 'pending'
      AND waiting_on = 0
      AND scheduled_at <= ?3
      AND queue IN (SELECT value FROM json_each(?4))
    ORDER BY priority DESC, scheduled_at, id
    LIMIT ?5
)
RETURNING {job_columns}
