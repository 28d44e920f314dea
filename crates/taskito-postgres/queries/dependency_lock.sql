-- $1 dependency ids. Their statuses, locking the rows until the inserting
-- transaction ends: a finish of one of them waits, then sees the new edge.
-- Locked in id order, as finishes lock theirs, so the two cannot deadlock.
SELECT id, status FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE
