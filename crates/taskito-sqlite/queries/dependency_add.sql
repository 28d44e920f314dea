-- ?1 dependency id. Counts one more dependent on it (the edge is inserted
-- next to this, in the same transaction).
UPDATE jobs
SET dependents = dependents + 1
WHERE id = ?1
RETURNING status
