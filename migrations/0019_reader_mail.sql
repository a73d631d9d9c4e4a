-- Confirmed emails and mail to readers (issue 16).
-- reader_emails: an address that was sent a confirmation mail, and when its owner
-- confirmed it (through the signed link). Addresses are kept lower-cased.
CREATE TABLE reader_emails (
    site         text        NOT NULL DEFAULT 'default',
    email        text        NOT NULL,
    mailed_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    PRIMARY KEY (site, email)
);

-- The mail outbox: written in the transaction that made the reason to mail, sent after
-- the commit by a sender on some instance (ops/mail.py), retried with back-off, as
-- webhook deliveries are. kind: confirm (the first comment from an unconfirmed address)
-- or published (a held comment was published, when the setting asks for it).
CREATE TABLE mail_outbox (
    site            text        NOT NULL DEFAULT 'default',
    id              bigserial,
    kind            text        NOT NULL CHECK (kind IN ('confirm', 'published')),
    email           text        NOT NULL,
    comment_id      bigint,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz,
    sent_at         timestamptz,
    failed_at       timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, id)
);

CREATE INDEX mail_outbox_due ON mail_outbox (site, next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;
-- One "published" mail per comment, however often it is approved again.
CREATE UNIQUE INDEX mail_outbox_published ON mail_outbox (site, comment_id)
    WHERE kind = 'published';

-- The first comment from an address with no confirmation asks for one, in the statement
-- that stores the comment (group commit or not), so the mail is queued only if the comment
-- commits. Only when the service has SMTP settings: its pool connections then carry
-- moderation.confirm_emails = on (ops/mail.py); otherwise this returns at once.
-- Rejected comments mail nobody, so a spammer cannot mail a stranger's address through us;
-- an address is mailed again only after a week unconfirmed, with a new comment.
CREATE FUNCTION comments_confirm_emails() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('moderation.confirm_emails', true), '') <> 'on' THEN
        RETURN NULL;
    END IF;
    WITH asked AS (
        SELECT site, lower(author_email) AS email, max(id) AS comment_id FROM new_rows
        WHERE author_email <> '' AND status <> 'rejected' AND decided_by = 'auto'
        GROUP BY 1, 2
    ), fresh AS (
        INSERT INTO reader_emails AS r (site, email)
        SELECT site, email FROM asked ORDER BY site, email
        ON CONFLICT (site, email) DO UPDATE SET mailed_at = now()
            WHERE r.confirmed_at IS NULL AND r.mailed_at < now() - interval '7 days'
        RETURNING r.site, r.email
    )
    INSERT INTO mail_outbox (site, kind, email, comment_id)
    SELECT fresh.site, 'confirm', fresh.email, asked.comment_id
    FROM fresh JOIN asked USING (site, email);
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_confirm_emails AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION comments_confirm_emails();
