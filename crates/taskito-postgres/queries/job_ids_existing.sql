-- $1 job ids. Those that exist (reconciling an insert whose commit was lost).
SELECT id FROM jobs WHERE id = ANY($1::text[])
