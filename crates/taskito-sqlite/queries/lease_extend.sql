-- ?1 worker id, ?2 new lease end. Never shortens a lease.
UPDATE jobs INDEXED BY jobs_leases
SET lease_expires_at = ?2
WHERE status = 'running' AND lease_owner = ?1 AND lease_expires_at < ?2
