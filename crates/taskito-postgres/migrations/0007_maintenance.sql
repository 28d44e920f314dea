-- Maintenance turns. One row per clean-up task (purging expired results, old
-- metrics...): the worker that moves `next_run_at` forward runs it; the others
-- skip it until then, so a cluster runs each once per period.
CREATE TABLE maintenance (
    name        text   NOT NULL PRIMARY KEY,
    next_run_at bigint NOT NULL
);
