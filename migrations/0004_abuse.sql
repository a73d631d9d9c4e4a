-- Abuse protection and the Akismet API: flood marks, idempotency keys, Akismet checks.

-- One row per accepted comment and subject, for flood control across instances.
-- A subject is 'ip:' or 'email:' and a SHA-256, never the address itself.
CREATE TABLE flood_events (
    id      bigserial   PRIMARY KEY,
    subject text        NOT NULL,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX flood_events_subject ON flood_events (subject, at);
-- Purging rows older than the longest flood window.
CREATE INDEX flood_events_at ON flood_events (at);

-- Idempotency-Key: the first answer to a submission, replayed to its retries.
CREATE TABLE idempotency_keys (
    scope        text        NOT NULL,                -- 'token:<id>' or 'ip:<sha256>'
    key          text        NOT NULL,                -- as the client sent it
    fingerprint  text        NOT NULL,                -- SHA-256 of the request's fields
    -- the answer; NULL only while the first request's transaction is still open
    status       integer,
    content_type text,
    headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (scope, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Comments checked through the Akismet API: X-akismet-guid -> the stored comment.
CREATE TABLE akismet_checks (
    guid        uuid        PRIMARY KEY,
    comment_id  bigint      NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    site        text        NOT NULL,                 -- the API key's site
    -- what the site told besides the comment: comment_type, blog_lang, comment_context, ...
    fields      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX akismet_checks_comment ON akismet_checks (comment_id);
CREATE INDEX akismet_checks_site ON akismet_checks (site, created_at);
