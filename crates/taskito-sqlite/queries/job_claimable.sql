-- ?1 now, ?2 JSON array of queue names. Whether a claim would find anything
-- to do (a ready job of these queues, or a pending job past its deadline),
-- asked without the write lock: an idle worker then takes no write lock at all,
-- so a worker paused (or stalled) in the middle of one cannot stall the others.
-- The same indexes and conditions as job_expire.sql and job_claim.sql.
SELECT EXISTS (
    SELECT 1 FROM jobs INDEXED BY jobs_ready
    WHERE status = 'pending' AND waiting_on = 0 AND scheduled_at <= ?1
      AND queue IN (SELECT value FROM json_each(?2))
) OR EXISTS (
    SELECT 1 FROM jobs INDEXED BY jobs_pending_expiry
    WHERE status = 'pending' AND expires_at < ?1
)
