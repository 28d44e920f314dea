-- $1 jobs that just completed and have dependents. Each pending dependent
-- waits for as many dependencies less; those that reach 0 enter jobs_ready.
UPDATE jobs AS w
SET waiting_on = w.waiting_on - (
    SELECT count(*)::int FROM job_dependencies AS d
    WHERE d.job_id = w.id AND d.depends_on = ANY($1::text[])
)
WHERE w.id = ANY(ARRAY(
    SELECT job_id FROM job_dependencies WHERE depends_on = ANY($1::text[])
))
  AND w.status = 'pending'
  AND w.waiting_on > 0
