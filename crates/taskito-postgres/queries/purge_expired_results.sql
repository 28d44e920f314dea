-- $1 now. Complete jobs whose result TTL has run out, found through the
-- partial expression index jobs_result_expiry (same expression, same WHERE),
-- with their recorded errors; returns how many jobs.
WITH gone AS (
    DELETE FROM jobs
    WHERE status = 'complete' AND result_ttl_ms IS NOT NULL
      AND (completed_at + result_ttl_ms) <= $1
    RETURNING id
), errors AS (
    DELETE FROM job_errors WHERE job_id = ANY(ARRAY(SELECT id FROM gone))
)
SELECT count(*) FROM gone
