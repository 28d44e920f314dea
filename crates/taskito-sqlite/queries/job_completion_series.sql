-- Completed jobs since ?1 in buckets of ?2 ms, reading at most the ?3 most
-- recent ones from the partial index jobs_completed_at.
SELECT ?1 + ((completed_at - ?1) / ?2) * ?2 AS bucket,
       count(*),
       avg(completed_at - coalesce(started_at, completed_at)),
       max(completed_at - coalesce(started_at, completed_at)),
       avg(coalesce(started_at, completed_at) - created_at)
FROM (SELECT completed_at, started_at, created_at
      FROM jobs INDEXED BY jobs_completed_at
      WHERE status = 'complete' AND completed_at >= ?1
      ORDER BY completed_at DESC
      LIMIT ?3)
GROUP BY bucket
ORDER BY bucket
