-- The schema versions applied to this schema, one row per migration file.
CREATE TABLE IF NOT EXISTS taskito_migrations (
    version    INTEGER     NOT NULL PRIMARY KEY,
    name       TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
