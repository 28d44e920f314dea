-- $1 a job that ended without completing, $2 the error of its dependents,
-- $3 now. Cancels its pending dependents; returns each with its own count of
-- dependents, so the caller goes on down the graph only where needed.
UPDATE jobs
SET status = 'cancelled',
    error = $2,
    completed_at = $3
WHERE id = ANY(ARRAY(SELECT job_id FROM job_dependencies WHERE depends_on = $1))
  AND status = 'pending'
RETURNING id, dependents
