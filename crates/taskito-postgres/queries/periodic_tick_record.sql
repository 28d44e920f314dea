-- Nothing is inserted when another worker already recorded this tick.
INSERT INTO periodic_ticks (schedule_name, tick_at, job_id)
VALUES ($1, $2, $3)
ON CONFLICT (schedule_name, tick_at) DO NOTHING
