-- Pending and running jobs per queue. Pending rows are read from the partial
-- index jobs_ready (which carries the queue), running ones are few: neither
-- part touches finished jobs.
SELECT queue, 'pending', count(*) FROM jobs INDEXED BY jobs_ready
WHERE status = 'pending' GROUP BY queue
UNION ALL
SELECT queue, 'running', count(*) FROM jobs INDEXED BY jobs_leases
WHERE status = 'running' GROUP BY queue
