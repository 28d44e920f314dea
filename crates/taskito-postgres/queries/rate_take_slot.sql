-- $1 limit key, $2 now, $3 interval: takes the next free slot (at $2 or later)
-- and returns it; the following one is a full interval after it.
INSERT INTO rate_limits (key, next_at) VALUES ($1, $2::BIGINT + $3::BIGINT)
ON CONFLICT (key) DO UPDATE SET next_at = GREATEST(rate_limits.next_at, $2::BIGINT) + $3::BIGINT
RETURNING next_at - $3::BIGINT
