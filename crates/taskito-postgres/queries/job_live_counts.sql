-- Pending and running jobs per queue; the partial indexes jobs_ready and
-- jobs_leases find them without reading finished jobs.
SELECT queue, status, count(*)
FROM jobs
WHERE status IN ('pending', 'running')
GROUP BY queue, status
