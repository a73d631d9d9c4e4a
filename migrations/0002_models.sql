-- The model registry: every instance loads the active model from here.

CREATE TABLE models (
    version     text        PRIMARY KEY,
    state       text        NOT NULL CHECK (state IN ('candidate', 'active', 'retired')),
    artifact    bytea       NOT NULL,             -- a skops file, never a pickle
    metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_by  text        NOT NULL DEFAULT 'system',
    created_at  timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz
);

-- One active model at a time, enforced by the database itself.
CREATE UNIQUE INDEX models_one_active ON models ((true)) WHERE state = 'active';
