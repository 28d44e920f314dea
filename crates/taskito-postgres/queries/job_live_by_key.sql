-- $1 unique keys. The live jobs holding them; served by jobs_unique_live.
SELECT unique_key, id
FROM jobs
WHERE unique_key = ANY($1::text[]) AND status IN ('pending', 'running')
