-- Desk sessions: a browser signed in to the moderator desk with a moderator or admin token.
-- Kept here rather than in process memory so every instance of the service knows them.

CREATE TABLE sessions (
    -- sha256 of the cookie's value: the value itself is never stored
    id_hash     text        PRIMARY KEY,
    -- revoking the token ends its sessions (they are looked up through the token);
    -- deleting it removes them
    token_id    bigint      NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    csrf_secret text        NOT NULL,
    -- messages for the next page the session sees, shown once
    flash       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

CREATE INDEX sessions_token ON sessions (token_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
