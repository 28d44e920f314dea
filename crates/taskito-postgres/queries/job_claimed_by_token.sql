-- $1 worker id, $2 claim token. The jobs a claim whose commit was lost did
-- claim and still holds (found through jobs_leases).
SELECT {job_columns}
FROM jobs
WHERE status = 'running' AND lease_owner = $1 AND claim_token = $2
