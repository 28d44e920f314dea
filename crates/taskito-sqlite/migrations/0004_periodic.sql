-- taskito schema: periodic tasks. Applied after the earlier steps in the same
-- way (BEGIN IMMEDIATE, then PRAGMA user_version).

-- One row per schedule name, upserted by every worker at start. last_tick_at
-- only moves forward: a tick at or before it is never enqueued again.
CREATE TABLE periodic_schedules (
    name         TEXT    NOT NULL PRIMARY KEY,
    task_name    TEXT    NOT NULL,
    cron_expr    TEXT    NOT NULL,
    timezone     TEXT    NOT NULL,
    queue        TEXT    NOT NULL,
    -- Ticks missed since the first registration are caught up, once.
    registered_at INTEGER NOT NULL,
    last_tick_at INTEGER
) STRICT;

-- One row per enqueued tick: the primary key is the constraint that makes a
-- tick enqueue one job however many workers race for it. Rows a day older
-- than the schedule's latest tick are pruned (last_tick_at guards those).
CREATE TABLE periodic_ticks (
    schedule_name TEXT    NOT NULL,
    tick_at       INTEGER NOT NULL,
    job_id        TEXT    NOT NULL,
    PRIMARY KEY (schedule_name, tick_at)
) STRICT, WITHOUT ROWID;
