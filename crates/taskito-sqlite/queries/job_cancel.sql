-- ?1 job id, ?2 now. Cancels a pending job; returns its count of dependents
-- (no row when it is unknown or not pending).
UPDATE jobs
SET status = 'cancelled',
    completed_at = ?2
WHERE id = ?1 AND status = 'pending'
RETURNING dependents
