-- The review queue: API tokens, claims on pending comments, and labels for retraining.

CREATE TABLE tokens (
    id           bigserial   PRIMARY KEY,
    name         text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('moderator', 'admin', 'site')),
    -- sha256 of the secret: the token itself is shown once and never stored
    hash         text        NOT NULL UNIQUE,
    prefix       text        NOT NULL,                 -- first characters, to recognise it in lists
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

-- A claim leases a pending comment to one moderator until claim_expires_at.
ALTER TABLE comments
    ADD COLUMN claimed_by       text,
    ADD COLUMN claim_expires_at timestamptz;

-- "Most uncertain first": closest to a coin toss.
CREATE INDEX comments_pending_uncertain ON comments ((coalesce(abs(spam_score - 0.5), 1)), id)
    WHERE status = 'pending';
CREATE INDEX comments_pending_article ON comments (article, created_at, id)
    WHERE status = 'pending';
CREATE INDEX comments_pending_claims ON comments (claimed_by, created_at, id)
    WHERE status = 'pending' AND claimed_by IS NOT NULL;
-- Recent decisions, for the desk and the stats.
CREATE INDEX comments_updated ON comments (updated_at);

-- Training truth: from moderators' decisions, imports and the Akismet API.
CREATE TABLE labels (
    id          bigserial   PRIMARY KEY,
    comment_id  bigint      REFERENCES comments (id) ON DELETE CASCADE,
    label       text        NOT NULL CHECK (label IN ('ham', 'spam')),
    source      text        NOT NULL,                 -- 'moderator', 'import:<name>', 'akismet'
    given_by    text        NOT NULL,
    -- imported labels carry their own text; moderator labels read the comment's
    author_name text,
    author_email text,
    author_url  text,
    body        text,
    content_hash text,                                -- dedupes imports
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (comment_id IS NOT NULL OR body IS NOT NULL)
);

-- One label per comment: a later decision replaces an earlier one.
CREATE UNIQUE INDEX labels_comment ON labels (comment_id) WHERE comment_id IS NOT NULL;
CREATE UNIQUE INDEX labels_content ON labels (content_hash) WHERE content_hash IS NOT NULL;
