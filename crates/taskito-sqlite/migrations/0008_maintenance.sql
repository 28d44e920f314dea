-- taskito schema, version 8: maintenance turns. One row per clean-up task
-- (purging expired results, old metrics...): the worker that moves
-- `next_run_at` forward runs it; the others skip it until then.
CREATE TABLE maintenance (
    name        TEXT    NOT NULL PRIMARY KEY,
    next_run_at INTEGER NOT NULL
) STRICT;
