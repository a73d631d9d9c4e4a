-- Akismet comment-checks become checks of their own, apart from comments: a site that
-- uses the Akismet API publishes its comments itself, so nothing it has checked may be
-- listed by the public article endpoints or the embed pages here. Held checks wait in
-- their own review queue (/v1/checks); decisions, history and labels work as for comments.

CREATE TABLE checks (
    id            bigserial   PRIMARY KEY,
    -- the API key's site; leads every index, for several sites (issue 13)
    site          text        NOT NULL DEFAULT 'default',
    guid          uuid        NOT NULL UNIQUE,           -- X-akismet-guid
    key_name      text        NOT NULL,                  -- the token that asked
    -- comment, reply, trackback, pingback, contact-form, signup, message, woocommerce-order...
    comment_type  text        NOT NULL DEFAULT 'comment',
    permalink     text,
    author_name   text        NOT NULL DEFAULT '',
    author_email  text        NOT NULL DEFAULT '',
    author_url    text,
    body          text        NOT NULL DEFAULT '',
    client_ip     inet,
    user_agent    text,
    referrer      text,
    status        text        NOT NULL CHECK (status IN ('approved', 'pending', 'rejected')),
    rejection     text        CHECK (rejection IN ('spam', 'removed')),
    spam_score    double precision CHECK (spam_score BETWEEN 0 AND 1),
    model_version text,
    decision      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    reasons       text[]      NOT NULL DEFAULT '{}',
    decided_by    text        NOT NULL DEFAULT 'auto',
    -- what the site told besides the comment: blog_lang, user_role, comment_context, ...
    fields        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    claimed_by       text,
    claim_expires_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') = (rejection IS NOT NULL))
);

-- The checks' review queue, oldest first, per site.
CREATE INDEX checks_pending ON checks (site, created_at, id) INCLUDE (spam_score)
    WHERE status = 'pending';
-- key-sites and usage-limit count a site's checks by month; retention purges by age.
CREATE INDEX checks_site_created ON checks (site, created_at);
-- submit-spam/ham without a guid find the check by its email (and text); known authors.
CREATE INDEX checks_site_email ON checks (site, lower(author_email));

CREATE TABLE check_history (
    id            bigserial   PRIMARY KEY,
    check_id      bigint      NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    at            timestamptz NOT NULL DEFAULT now(),
    actor         text        NOT NULL,
    from_status   text,
    to_status     text        NOT NULL,
    rejection     text,
    spam_score    double precision,
    model_version text,
    note          text
);

CREATE INDEX check_history_check ON check_history (check_id, id);
CREATE INDEX check_history_at ON check_history (at);

-- A check's training label (submit-spam/ham, a moderator's decision), one per check.
ALTER TABLE labels ADD COLUMN check_id bigint REFERENCES checks (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX labels_by_check ON labels (check_id) WHERE check_id IS NOT NULL;
ALTER TABLE labels DROP CONSTRAINT labels_check;
ALTER TABLE labels ADD CONSTRAINT labels_has_text
    CHECK (comment_id IS NOT NULL OR check_id IS NOT NULL OR body IS NOT NULL);

-- Checks stored as comments before this migration move here, with their history and
-- labels; the comments go (so they are no longer published), and with them the old table.
INSERT INTO checks (site, guid, key_name, comment_type, permalink, author_name,
                    author_email, author_url, body, client_ip, user_agent, referrer, status,
                    rejection, spam_score, model_version, decision, reasons, decided_by,
                    fields, created_at, updated_at)
SELECT a.site, a.guid, a.site, coalesce(nullif(a.fields ->> 'comment_type', ''), 'comment'),
       a.fields ->> 'permalink', c.author_name, c.author_email, c.author_url, c.body,
       c.client_ip, c.user_agent, c.referrer, c.status, c.rejection, c.spam_score,
       c.model_version, c.decision, c.reasons, c.decided_by, a.fields, a.created_at,
       c.updated_at
FROM akismet_checks a JOIN comments c ON c.id = a.comment_id
ORDER BY a.created_at, a.comment_id;

INSERT INTO check_history (check_id, at, actor, from_status, to_status, rejection,
                           spam_score, model_version, note)
SELECT k.id, h.at, h.actor, h.from_status, h.to_status, h.rejection, h.spam_score,
       h.model_version, h.note
FROM akismet_checks a
JOIN checks k ON k.guid = a.guid
JOIN comment_history h ON h.comment_id = a.comment_id
ORDER BY h.id;

UPDATE labels l SET check_id = k.id, comment_id = NULL
FROM akismet_checks a JOIN checks k ON k.guid = a.guid
WHERE l.comment_id = a.comment_id;

DELETE FROM comments c USING akismet_checks a WHERE c.id = a.comment_id;
DROP TABLE akismet_checks;
