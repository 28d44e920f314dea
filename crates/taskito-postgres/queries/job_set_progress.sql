-- $1 job id, $2 progress, $3 attempt or NULL. With an attempt, fenced: only
-- while that attempt still runs the job. Without, any job.
UPDATE jobs
SET progress = $2
WHERE id = $1
  AND ($3::int4 IS NULL OR (attempt = $3 AND status = 'running'))
