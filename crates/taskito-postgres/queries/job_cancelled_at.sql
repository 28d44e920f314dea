-- $1 job id, $2 now. Whether the job was cancelled at exactly $2 (reconciling
-- a cancel whose commit was lost).
SELECT 1 FROM jobs WHERE id = $1 AND status = 'cancelled' AND completed_at = $2
