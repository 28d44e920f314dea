-- Jobs per status: the folded counts plus the deltas not folded yet, read in
-- one snapshot.
SELECT status, sum(n)::bigint
FROM (
    SELECT status, n FROM job_counts
    UNION ALL
    SELECT status, n FROM job_count_deltas
) AS c
GROUP BY status
HAVING sum(n) <> 0
