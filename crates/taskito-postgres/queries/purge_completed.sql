-- $1 before. Complete jobs finished before $1, with their recorded errors,
-- in one statement; returns how many jobs.
WITH gone AS (
    DELETE FROM jobs
    WHERE status = 'complete' AND completed_at < $1
    RETURNING id
), errors AS (
    DELETE FROM job_errors WHERE job_id = ANY(ARRAY(SELECT id FROM gone))
)
SELECT count(*) FROM gone
