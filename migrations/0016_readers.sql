-- Per-article settings (issue 16): whether an article takes comments, and for how long.
-- open: comments are decided as usual; premoderated: every comment waits for a moderator;
-- closed: submissions are refused. close_after_days closes an open or premoderated
-- article that many days after it was published (or, unknown, after its row was made).
ALTER TABLE articles
    ADD COLUMN state text NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'premoderated', 'closed')),
    ADD COLUMN close_after_days integer CHECK (close_after_days > 0);

-- Reader flags: one per reader per comment. `reader` names the reader without personal
-- data (a hash of their address, as flood marks do); `weight` is what the flag counts.
CREATE TABLE comment_flags (
    id         bigserial   PRIMARY KEY,
    comment_id bigint      NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reader     text        NOT NULL,
    reason     text        NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    note       text,
    weight     integer     NOT NULL DEFAULT 1 CHECK (weight > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (comment_id, reader)
);
