-- ?1 now. Complete jobs whose result TTL has run out, found through the
-- partial expression index jobs_result_expiry (same expression, same WHERE).
DELETE FROM jobs INDEXED BY jobs_result_expiry
WHERE status = 'complete' AND result_ttl_ms IS NOT NULL
  AND completed_at + result_ttl_ms <= ?1
