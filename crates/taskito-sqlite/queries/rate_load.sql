-- ?1 limit key, ?2 job id: the slot reserved for the job (if any) and the
-- limit's next free slot (NULL when none was ever taken), loaded inside the
-- write transaction that saves what taskito_core::decide_rate decides.
SELECT (SELECT slot_at FROM rate_reservations WHERE job_id = ?2),
       (SELECT next_at FROM rate_limits WHERE key = ?1)
