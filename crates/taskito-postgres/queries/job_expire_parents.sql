-- $1 ids of pending jobs that have dependents and whose deadline passed (as
-- listed by the claim), $2 now, $3 the error (taskito_core::EXPIRED_ERROR).
-- Fails those still pending and past their deadline, as the claim fails the
-- others; returns them (the caller cancels their dependents in the same
-- transaction). Locked in id order, as finishes
-- lock theirs.
UPDATE jobs
SET status = 'failed',
    error = $3,
    completed_at = $2
WHERE id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE id = ANY($1::text[])
      AND status = 'pending' AND expires_at IS NOT NULL AND expires_at < $2
    ORDER BY id
    FOR UPDATE
))
  AND status = 'pending'
RETURNING id
