-- $1 job id: the slot reserved for it, if any.
SELECT slot_at FROM rate_reservations WHERE job_id = $1
