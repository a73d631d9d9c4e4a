-- Per-article settings (issue 16): whether an article takes comments, and for how long.
-- open: comments are decided as usual; premoderated: every comment waits for a moderator;
-- closed: submissions are refused. close_after_days closes an open or premoderated
-- article that many days after it was published (or, unknown, after its row was made).
ALTER TABLE articles
    ADD COLUMN state text NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'premoderated', 'closed')),
    ADD COLUMN close_after_days integer CHECK (close_after_days > 0);
