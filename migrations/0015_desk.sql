-- The desk: site rules changed at run time, moderators' notes, and search.

-- Site rules (blocked senders, word lists, max links), one current row; every change is
-- kept in site_rule_changes with who made it. Instances LISTEN on 'moderation_rules'.
-- No row yet: the environment's values (MODERATION_BLOCKED_EMAILS, ...) are the rules.
CREATE TABLE site_rules (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id),   -- one row
    version    bigint      NOT NULL,
    rules      jsonb       NOT NULL,
    changed_by text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_rule_changes (
    version    bigint      PRIMARY KEY,
    rules      jsonb       NOT NULL,                -- the rules after the change
    changed    text[]      NOT NULL,                -- which lists it named
    changed_by text        NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- Notes moderators leave on a comment for each other.
CREATE TABLE comment_notes (
    id         bigserial   PRIMARY KEY,
    comment_id bigint      NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    author     text        NOT NULL,
    note       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comment_notes_comment ON comment_notes (comment_id, id);

-- Search (GET /v1/comments): words of the text and the author's name, without stemming
-- (comments come in many languages), in a GIN index; senders by IP; an article's comments
-- in every status. The email filter uses comments_email.
CREATE INDEX comments_search ON comments
    USING gin (to_tsvector('simple', author_name || ' ' || body));
CREATE INDEX comments_client_ip ON comments (client_ip) WHERE client_ip IS NOT NULL;
CREATE INDEX comments_article ON comments (article, id);
