-- $1 limit key, $2 job id, $3 now: the slot reserved for the job (if any) and
-- the limit's next free slot, loaded inside the write transaction that saves
-- what taskito_core::decide_rate decides. The limit's row is locked until
-- that transaction ends (created, free from $3, when missing: a no-op DO
-- UPDATE locks an existing row and returns its latest committed value), so
-- concurrent callers on the key, through any store, take turns between the
-- load and the save.
WITH limit_row AS (
    INSERT INTO rate_limits (key, next_at) VALUES ($1, $3::BIGINT)
    ON CONFLICT (key) DO UPDATE SET next_at = rate_limits.next_at
    RETURNING next_at
)
SELECT (SELECT slot_at FROM rate_reservations WHERE job_id = $2),
       (SELECT next_at FROM limit_row)
