-- Retraining: activation history (for rollback) and training jobs.

CREATE TABLE model_activations (
    id           bigserial   PRIMARY KEY,
    version      text        NOT NULL REFERENCES models (version) ON DELETE CASCADE,
    activated_by text        NOT NULL,
    activated_at timestamptz NOT NULL DEFAULT now()
);

-- The seed (or any model already active) is the first activation on record.
INSERT INTO model_activations (version, activated_by, activated_at)
SELECT version, created_by, coalesce(activated_at, created_at) FROM models WHERE state = 'active';

CREATE TABLE training_jobs (
    id            bigserial   PRIMARY KEY,
    state         text        NOT NULL DEFAULT 'queued'
                              CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    params        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    progress      jsonb       NOT NULL DEFAULT '{}'::jsonb,   -- stage, percent, message
    error         text,
    model_version text        REFERENCES models (version) ON DELETE SET NULL,
    comparison    jsonb,                                      -- candidate vs active, side by side
    activated     boolean     NOT NULL DEFAULT false,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    heartbeat_at  timestamptz,
    finished_at   timestamptz
);

CREATE INDEX training_jobs_created ON training_jobs (created_at DESC);
