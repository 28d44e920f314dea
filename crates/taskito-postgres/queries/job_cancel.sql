-- $1 job id, $2 now. Only a pending job can be cancelled. Returns its count
-- of dependents (no row when nothing was cancelled).
UPDATE jobs
SET status = 'cancelled', completed_at = $2
WHERE id = $1 AND status = 'pending'
RETURNING dependents
