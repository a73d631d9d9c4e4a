"""SQL for readers' personal data: export, erasure, and retention."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

ANONYMOUS = "Anonymous"
ERASED_EMAIL = "erased@invalid"  # keeps the NOT NULL column honest: ".invalid" never resolves


async def export(conn: Conn, site: str, email: str) -> dict[str, Any]:
    """Every comment, status change and label a site stored about an email address, and
    the address's confirmation (Akismet checks: store/checks.py)."""
    comments = await conn.fetch(
        """
        SELECT id, article, parent_id, author_name, author_email, author_url, body,
               host(client_ip) AS client_ip, user_agent, referrer, status, rejection,
               spam_score, model_version, reasons, decided_by, created_at, updated_at
        FROM comments WHERE site = $2 AND lower(author_email) = lower($1) ORDER BY id
        """,
        email,
        site,
    )
    ids = [r["id"] for r in comments]
    history = await conn.fetch(
        """
        SELECT comment_id, at, actor, from_status, to_status, rejection, note
        FROM comment_history WHERE site = $2 AND comment_id = ANY($1::bigint[])
        ORDER BY comment_id, id
        """,
        ids,
        site,
    )
    labels = await conn.fetch(
        """
        SELECT id, comment_id, label, source, given_by, author_name, author_url, body, created_at
        FROM labels
        WHERE site = $3 AND (comment_id = ANY($1::bigint[]) OR lower(author_email) = lower($2))
        ORDER BY id
        """,
        ids,
        email,
        site,
    )
    mail = await conn.fetchrow(
        "SELECT mailed_at, confirmed_at FROM reader_emails WHERE site = $2 AND email = lower($1)",
        email,
        site,
    )
    return {
        "email": email,
        "comments": [dict(r) for r in comments],
        "history": [dict(r) for r in history],
        "labels": [dict(r) for r in labels],
        "mail": dict(mail) if mail is not None else None,
    }


def _pattern(email: str) -> str:
    """The email as a PostgreSQL regular expression matching it literally.

    In PostgreSQL's regular expressions a backslash before a character that is not
    a letter or digit stands for that character itself.
    """
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in email)


# What erasing leaves nowhere else: the email inside moderators' notes (on any
# comment). Akismet checks are erased by store/checks.py, as comments are here.
_SCRUB_NOTES = """
UPDATE comment_history SET note = regexp_replace(note, $1, '[erased]', 'gi')
WHERE site = $2 AND note ~* $1
"""


async def _scrub(conn: asyncpg.Connection, site: str, email: str) -> None:
    await conn.execute(_SCRUB_NOTES, _pattern(email), site)
    # The address's confirmation and its mail not yet sent (migrations/0019).
    await conn.execute(
        "DELETE FROM reader_emails WHERE site = $2 AND email = lower($1)", email, site
    )
    await conn.execute("DELETE FROM mail_outbox WHERE site = $2 AND email = lower($1)", email, site)


async def anonymise(conn: asyncpg.Connection, site: str, email: str) -> dict[str, int]:
    """Keep the words, drop the person: published comments show as from Anonymous."""
    async with conn.transaction():
        await _scrub(conn, site, email)
        comments = await conn.execute(
            """
            UPDATE comments SET author_name = $2, author_email = $3, author_url = NULL,
                   client_ip = NULL, user_agent = NULL, referrer = NULL, updated_at = now()
            WHERE site = $4 AND lower(author_email) = lower($1)
            """,
            email,
            ANONYMOUS,
            ERASED_EMAIL,
            site,
        )
        labels = await conn.execute(
            """
            UPDATE labels SET author_name = $2, author_email = NULL, author_url = NULL
            WHERE site = $3 AND lower(author_email) = lower($1)
            """,
            email,
            ANONYMOUS,
            site,
        )
    return {"comments": _count(comments), "labels": _count(labels)}


async def remove(conn: asyncpg.Connection, site: str, email: str) -> dict[str, int]:
    """Delete the comments (their history and labels go with them) and imported labels."""
    async with conn.transaction():
        await _scrub(conn, site, email)  # notes and checks that mention them elsewhere
        # Replies to removed comments stay, detached (parent_id is SET NULL).
        comments = await conn.execute(
            "DELETE FROM comments WHERE site = $2 AND lower(author_email) = lower($1)",
            email,
            site,
        )
        labels = await conn.execute(
            "DELETE FROM labels WHERE site = $2 AND lower(author_email) = lower($1)",
            email,
            site,
        )
    return {"comments": _count(comments), "labels": _count(labels)}


# Retention works in batches, so its first run on a large site never rewrites the
# whole table in one statement.
BATCH = 5000


async def purge_rejected(conn: Conn, days: int) -> int:
    """Spam and removed comments older than `days` are deleted for good."""
    total = 0
    while True:
        result = await conn.execute(
            """
            DELETE FROM comments WHERE (site, id) IN (
                SELECT site, id FROM comments
                WHERE status = 'rejected' AND updated_at < now() - make_interval(days => $1)
                LIMIT $2
            )
            """,
            days,
            BATCH,
        )
        n = _count(result)
        total += n
        if n < BATCH:
            return total


async def reduce_ips(conn: Conn, days: int) -> int:
    """Addresses older than `days` keep only their network (/24 for IPv4, /48 for IPv6)."""
    total = 0
    while True:
        n = _count(await conn.execute(_REDUCE, days, BATCH))
        total += n
        if n < BATCH:
            return total


# The address with its host part zeroed: a /24 for IPv4, a /48 for IPv6.
_NETWORK = """set_masklen(network(set_masklen(client_ip,
    CASE WHEN family(client_ip) = 4 THEN 24 ELSE 48 END)),
    CASE WHEN family(client_ip) = 4 THEN 32 ELSE 128 END)"""

# The batch is chosen among rows not yet reduced, so every run makes progress.
_REDUCE = f"""
UPDATE comments SET client_ip = {_NETWORK}
WHERE (site, id) IN (
    SELECT site, id FROM comments
    WHERE client_ip IS NOT NULL AND created_at < now() - make_interval(days => $1)
      AND client_ip <> {_NETWORK}
    LIMIT $2
)
"""


def _count(status: str) -> int:
    return int(str(status).split()[-1])
