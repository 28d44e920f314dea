-- $1 job id, $2 now. Only a pending job can be cancelled.
UPDATE jobs
SET status = 'cancelled', completed_at = $2
WHERE id = $1 AND status = 'pending'
