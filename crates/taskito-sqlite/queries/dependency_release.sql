-- ?1 a job that just completed. Its pending dependents wait for one
-- dependency less; those that reach 0 enter jobs_ready (claimable).
UPDATE jobs
SET waiting_on = waiting_on - 1
WHERE id IN (SELECT job_id FROM job_dependencies WHERE depends_on = ?1)
  AND status = 'pending'
  AND waiting_on > 0
