-- The live job holding a unique key, if any; served by jobs_unique_live.
SELECT id FROM jobs WHERE unique_key = ?1 AND status IN ('pending', 'running')
