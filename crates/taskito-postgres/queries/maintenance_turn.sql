-- Takes the maintenance turn `name` when its time has come: inserts the row
-- the first time, else moves next_run_at forward only if it is due. A row
-- comes back only to the one caller that moved it.
INSERT INTO maintenance (name, next_run_at) VALUES ($1, $2::bigint + $3::bigint)
ON CONFLICT (name) DO UPDATE SET next_run_at = excluded.next_run_at
WHERE maintenance.next_run_at <= $2::bigint
RETURNING name
