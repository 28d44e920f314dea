-- ?1 job id: its reserved slot has come and is used up.
DELETE FROM rate_reservations WHERE job_id = ?1
