-- $1 jobs that completed. Sets the count of dependencies still to complete
-- of each of their pending dependents from the edges themselves: idempotent,
-- for when a completion could not see every dependent (see
-- finish_complete_many.sql). A purged dependency was complete.
UPDATE jobs AS w
SET waiting_on = (
    SELECT count(*)::int
    FROM job_dependencies AS d
    JOIN jobs AS p ON p.id = d.depends_on
    WHERE d.job_id = w.id AND p.status <> 'complete'
)
WHERE w.id = ANY(ARRAY(
    SELECT job_id FROM job_dependencies WHERE depends_on = ANY($1::text[])
))
  AND w.status = 'pending'
