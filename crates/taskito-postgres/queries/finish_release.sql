-- $1 job id, $2 attempt (fencing token). Back to pending at once; the attempt
-- counter stays (it is the fencing token), no retry is spent.
UPDATE jobs
SET status = 'pending',
    lease_owner = NULL,
    lease_expires_at = NULL
WHERE id = $1 AND attempt = $2 AND status = 'running'
