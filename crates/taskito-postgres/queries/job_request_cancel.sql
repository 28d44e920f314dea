-- $1 job id. Only a running job can be asked to stop; the task sees the flag
-- and ends its attempt with a Cancelled outcome.
UPDATE jobs
SET cancel_requested = true
WHERE id = $1 AND status = 'running'
