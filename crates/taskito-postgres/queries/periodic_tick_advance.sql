-- The schedule's last tick only moves forward.
UPDATE periodic_schedules SET last_tick_at = $2
WHERE name = $1 AND (last_tick_at IS NULL OR last_tick_at < $2)
