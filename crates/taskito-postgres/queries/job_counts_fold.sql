-- Moves the deltas appended by the job_counts triggers into job_counts, in
-- one statement. Deltas committed after this statement's snapshot stay for
-- the next fold; two folds at once cannot count one delta twice (the second
-- waits on the first's row locks, then skips the rows it deleted).
WITH folded AS (
    DELETE FROM job_count_deltas RETURNING status, n
)
INSERT INTO job_counts (status, n)
SELECT status, sum(n) FROM folded GROUP BY status
ON CONFLICT (status) DO UPDATE SET n = job_counts.n + EXCLUDED.n
