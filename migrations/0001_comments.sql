-- Comments and their status history: the core of the service.

CREATE TABLE comments (
    id            bigserial PRIMARY KEY,
    article       text        NOT NULL,
    parent_id     bigint      REFERENCES comments (id) ON DELETE SET NULL,
    author_name   text        NOT NULL,
    author_email  text        NOT NULL,
    author_url    text,
    body          text        NOT NULL,
    client_ip     inet,
    user_agent    text,
    referrer      text,
    status        text        NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
    -- why a rejected comment is not published: spam, or removed for another reason
    rejection     text        CHECK (rejection IN ('spam', 'removed')),
    spam_score    double precision CHECK (spam_score BETWEEN 0 AND 1),
    model_version text,
    -- thresholds, rules that fired, features that pushed the score, the outcome's reason
    decision      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    reasons       text[]      NOT NULL DEFAULT '{}',
    decided_by    text        NOT NULL DEFAULT 'auto',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') = (rejection IS NOT NULL))
);

-- Readers page through an article's approved comments in id order.
CREATE INDEX comments_article_approved ON comments (article, id) WHERE status = 'approved';
-- The review queue: pending comments, oldest first.
CREATE INDEX comments_pending ON comments (created_at, id) WHERE status = 'pending';
CREATE INDEX comments_parent ON comments (parent_id) WHERE parent_id IS NOT NULL;
-- "Does this email already have approved comments?" and privacy exports.
CREATE INDEX comments_email ON comments (lower(author_email));

-- Every status change, automatic or human, on record.
CREATE TABLE comment_history (
    id            bigserial   PRIMARY KEY,
    comment_id    bigint      NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,              -- 'auto' or a token's name
    from_status   text,                              -- NULL when the comment arrives
    to_status     text        NOT NULL,
    rejection     text,
    spam_score    double precision,
    model_version text,
    note          text
);

CREATE INDEX comment_history_comment ON comment_history (comment_id, id);
CREATE INDEX comment_history_at ON comment_history (at);
