-- ?1 job id, ?2 limit key, ?3 slot: the job waits for this slot.
INSERT INTO rate_reservations (job_id, key, slot_at) VALUES (?1, ?2, ?3)
ON CONFLICT (job_id) DO UPDATE SET key = excluded.key, slot_at = excluded.slot_at
