-- Webhook deliveries: an outbox every instance works from, with retries.

CREATE TABLE webhook_deliveries (
    id              bigserial   PRIMARY KEY,
    event           text        NOT NULL,
    url             text        NOT NULL,
    payload         jsonb       NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,                 -- a sender's lease while it posts
    delivered_at    timestamptz,
    failed_at       timestamptz,                 -- gave up after the last attempt
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
