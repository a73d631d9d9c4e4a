"""SQL for readers' emails: confirmations and the mail outbox (migrations/0019).

The outbox works as the webhook outbox does (store/webhooks.py): rows due now are
leased to one sender with SKIP LOCKED, then marked sent, or failed with a new time.
Confirmation mails are queued by a trigger in the statement that stores a comment.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def lease_due(conn: Conn, limit: int, lease_seconds: float) -> list[asyncpg.Record]:
    """Mails due now, leased to this sender so no other instance sends them too."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        UPDATE mail_outbox m SET locked_until = now() + make_interval(secs => $2)
        FROM (
            SELECT site, id FROM mail_outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
              AND (locked_until IS NULL OR locked_until < now())
            ORDER BY next_attempt_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ) due
        WHERE m.site = due.site AND m.id = due.id
        RETURNING m.site, m.id, m.kind, m.email, m.comment_id, m.attempts,
                  (SELECT article FROM comments c
                   WHERE c.site = m.site AND c.id = m.comment_id) AS article
        """,
        limit,
        lease_seconds,
    )
    return rows


async def sent(conn: Conn, site: str, mail_id: int) -> None:
    await conn.execute(
        """
        UPDATE mail_outbox
        SET sent_at = now(), attempts = attempts + 1, locked_until = NULL, last_error = NULL
        WHERE site = $1 AND id = $2
        """,
        site,
        mail_id,
    )


async def failed(
    conn: Conn, site: str, mail_id: int, error: str, retry_in_seconds: float | None
) -> None:
    """A failed attempt: try again later, or give up when `retry_in_seconds` is None."""
    await conn.execute(
        """
        UPDATE mail_outbox
        SET attempts = attempts + 1, locked_until = NULL, last_error = $3,
            next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at
                                   ELSE now() + make_interval(secs => $4::float8) END,
            failed_at = CASE WHEN $4::float8 IS NULL THEN now() END
        WHERE site = $1 AND id = $2
        """,
        site,
        mail_id,
        error[:500],
        retry_in_seconds,
    )


async def confirm(conn: Conn, site: str, email: str) -> None:
    """The owner of the address followed its link: it is confirmed from now on."""
    await conn.execute(
        """
        INSERT INTO reader_emails (site, email, confirmed_at) VALUES ($1, lower($2), now())
        ON CONFLICT (site, email) DO UPDATE
        SET confirmed_at = coalesce(reader_emails.confirmed_at, now())
        """,
        site,
        email,
    )


async def is_confirmed(conn: Conn, site: str, email: str) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM reader_emails
                           WHERE site = $1 AND email = lower($2) AND confirmed_at IS NOT NULL)
            """,
            site,
            email,
        )
    )


async def queue_published(conn: Conn, site: str, comment_id: int) -> bool:
    """Queue "your comment is published" for a published comment whose author confirmed
    their address; once per comment. True if a mail was queued."""
    queued = await conn.fetchval(
        """
        INSERT INTO mail_outbox (site, kind, email, comment_id)
        SELECT r.site, 'published', r.email, c.id
        FROM comments c
        JOIN reader_emails r ON r.site = $2 AND r.email = lower(c.author_email)
        WHERE c.site = $2 AND c.id = $1 AND c.status = 'approved' AND r.confirmed_at IS NOT NULL
        ON CONFLICT (site, comment_id) WHERE kind = 'published' DO NOTHING
        RETURNING id
        """,
        comment_id,
        site,
    )
    return queued is not None


async def purge_done(conn: Conn, days: int) -> int:
    """Sent and abandoned mails older than `days` go: each names a reader's address."""
    result = await conn.execute(
        """
        DELETE FROM mail_outbox
        WHERE coalesce(sent_at, failed_at) < now() - make_interval(days => $1)
        """,
        days,
    )
    return int(result.split()[-1])
