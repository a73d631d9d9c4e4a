"""SQL for reader flags on comments, and sending a flagged comment back to the queue."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

FLAGS_ACTOR = "flags"


async def lock_comment(
    conn: asyncpg.Connection, site: str, comment_id: int
) -> asyncpg.Record | None:
    """The site's comment's article and status, locked so flags on it count one at a time."""
    return await conn.fetchrow(
        "SELECT id, article, status FROM comments WHERE site = $1 AND id = $2 FOR UPDATE",
        site,
        comment_id,
    )


async def add(
    conn: asyncpg.Connection,
    site: str,
    comment_id: int,
    reader: str,
    reason: str,
    note: str | None,
    weight: int,
) -> int | None:
    """Record a flag; the comment's flag weight now, or None if this reader flagged it."""
    inserted = await conn.fetchval(
        """
        INSERT INTO comment_flags (site, comment_id, reader, reason, note, weight)
        VALUES ($6, $1, $2, $3, $4, $5)
        ON CONFLICT (site, comment_id, reader) DO NOTHING
        RETURNING id
        """,
        comment_id,
        reader,
        reason,
        note,
        weight,
        site,
    )
    if inserted is None:
        return None
    total = await conn.fetchval(
        "SELECT sum(weight) FROM comment_flags WHERE site = $1 AND comment_id = $2",
        site,
        comment_id,
    )
    return int(total)


# The status, the reasons and the history row change in one statement, as every
# status change does (store/comments.py, store/decisions.py).
_BACK_TO_QUEUE = """
WITH f AS (
    SELECT string_agg(n || ' ' || reason, ', ' ORDER BY n DESC, reason) AS summary
    FROM (SELECT reason, count(*) AS n FROM comment_flags WHERE site = $3 AND comment_id = $1
          GROUP BY reason) r
), c AS (
    UPDATE comments c
    SET status = 'pending', rejection = NULL, decided_by = $2, updated_at = now(),
        reasons = array_append(c.reasons, 'flagged by readers: ' || (SELECT summary FROM f))
    WHERE c.site = $3 AND c.id = $1 AND c.status = 'approved'
    RETURNING site, id, article, status, spam_score, model_version
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, $2, 'approved', 'pending', NULL, spam_score, model_version,
           'flagged by readers: ' || (SELECT summary FROM f)
    FROM c
)
SELECT id, article FROM c
"""


async def back_to_queue(
    conn: asyncpg.Connection, site: str, comment_id: int
) -> asyncpg.Record | None:
    """An approved comment becomes pending, its flags its reason; None if it was not approved."""
    return await conn.fetchrow(_BACK_TO_QUEUE, comment_id, FLAGS_ACTOR, site)


async def summary(conn: Conn, site: str, comment_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT reason, count(*) AS n, sum(weight) AS weight FROM comment_flags
        WHERE site = $1 AND comment_id = $2 GROUP BY reason ORDER BY reason
        """,
        site,
        comment_id,
    )
    return rows


async def published_excerpt(
    conn: Conn, site: str, comment_id: int, article: str
) -> asyncpg.Record | None:
    """A published comment's body, for the Report form (None: not published there)."""
    return await conn.fetchrow(
        "SELECT body FROM comments WHERE site = $3 AND id = $1 AND article = $2 "
        "AND status = 'approved'",
        comment_id,
        article,
        site,
    )
