-- $1 limit key, $2 its next free slot, as taskito_core::decide_rate moved it
-- (the row exists and is locked: rate_load.sql).
UPDATE rate_limits SET next_at = $2 WHERE key = $1
