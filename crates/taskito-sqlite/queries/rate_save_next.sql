-- ?1 limit key, ?2 its next free slot, as taskito_core::decide_rate moved it.
INSERT INTO rate_limits (key, next_at) VALUES (?1, ?2)
ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at
