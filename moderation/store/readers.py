"""SQL for what a reader may see of their own comments."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def still_held(conn: Conn, site: str, article: str, ids: list[int]) -> list[asyncpg.Record]:
    """Of these comments, those on the article not published, oldest first (a rejected
    one may look held to its author: intake/submission.shown_status decides)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT id, author_name, body, created_at, status FROM comments
        WHERE site = $3 AND id = ANY($1::bigint[]) AND article = $2
          AND status IN ('pending', 'rejected')
        ORDER BY id
        """,
        ids,
        article,
        site,
    )
    return rows


async def own_comments(conn: Conn, site: str, email: str, limit: int) -> list[asyncpg.Record]:
    """An address's comments on a site, newest first, with whether an appeal was made."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT c.site, c.id, c.article, c.body, c.status, c.rejection, c.created_at,
               EXISTS (SELECT 1 FROM comment_history h
                       WHERE h.site = c.site AND h.comment_id = c.id AND h.actor = $3) AS appealed
        FROM comments c
        WHERE c.site = $4 AND lower(c.author_email) = lower($1)
        ORDER BY c.id DESC
        LIMIT $2
        """,
        email,
        limit,
        APPEAL_ACTOR,
        site,
    )
    return rows


async def lock_own(
    conn: asyncpg.Connection, site: str, email: str, comment_id: int
) -> asyncpg.Record | None:
    """The address's own comment, locked for a change by its author (None: not theirs)."""
    return await conn.fetchrow(
        """
        SELECT site, id, article, status, rejection,
               EXISTS (SELECT 1 FROM comment_history h
                       WHERE h.site = c.site AND h.comment_id = c.id AND h.actor = $3) AS appealed
        FROM comments c WHERE site = $4 AND id = $1 AND lower(author_email) = lower($2)
        FOR UPDATE
        """,
        comment_id,
        email,
        APPEAL_ACTOR,
        site,
    )


async def delete_own(conn: asyncpg.Connection, site: str, comment_id: int) -> None:
    """Its history, labels and flags go with it; replies stay, detached (SET NULL)."""
    await conn.execute("DELETE FROM comments WHERE site = $1 AND id = $2", site, comment_id)


APPEAL_ACTOR = "appeal"

# A rejected comment goes back to the queue, the appeal its reason, with its history row
# in the same statement (as every status change: store/decisions.py, store/flags.py).
_APPEAL = """
WITH c AS (
    UPDATE comments c
    SET status = 'pending', rejection = NULL, decided_by = $2, updated_at = now(),
        claimed_by = NULL, claim_expires_at = NULL,
        reasons = array_append(c.reasons, 'appealed by its author: ' || $3)
    WHERE c.site = $4 AND c.id = $1 AND c.status = 'rejected'
    RETURNING site, id, article, spam_score, model_version
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, $2, 'rejected', 'pending', NULL, spam_score, model_version,
           'appeal: ' || $3
    FROM c
)
SELECT id, article FROM c
"""


async def appeal(
    conn: asyncpg.Connection, site: str, comment_id: int, note: str
) -> asyncpg.Record | None:
    """A rejected comment back in the queue with its author's appeal; None if not rejected."""
    return await conn.fetchrow(_APPEAL, comment_id, APPEAL_ACTOR, note, site)
