-- $1 the new job's id, $2 its dependency ids in order, $3 how many of them are
-- not complete. Records the edges, counts the job on each dependency, and
-- holds the job out of jobs_ready while it waits.
WITH edges AS (
    INSERT INTO job_dependencies (job_id, depends_on, position)
    SELECT $1, dep, (n - 1)::int FROM unnest($2::text[]) WITH ORDINALITY AS d (dep, n)
), counted AS (
    UPDATE jobs SET dependents = dependents + 1 WHERE id = ANY($2::text[])
)
UPDATE jobs SET waiting_on = $3 WHERE id = $1
