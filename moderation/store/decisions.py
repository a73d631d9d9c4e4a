"""SQL for human decisions: status changes, their history, and labels."""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias

import asyncpg

from moderation.store import labels
from moderation.store.queue import COLUMNS

MODERATOR = "moderator"

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def lock(conn: asyncpg.Connection, site: str, comment_id: int) -> asyncpg.Record | None:
    """The site's comment, locked until the transaction ends, so decisions on it serialise."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS}, now() AS now FROM comments c WHERE c.site = $1 AND c.id = $2 "
        "FOR UPDATE",
        site,
        comment_id,
    )


_APPLY = f"""
WITH c AS (
    UPDATE comments c SET status = $2, rejection = $3, decided_by = $4, updated_at = now(),
                          claimed_by = NULL, claim_expires_at = NULL
    WHERE c.site = $7 AND c.id = $1
    RETURNING {COLUMNS}
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, $4, $5, status, rejection, spam_score, model_version, $6 FROM c
)
SELECT * FROM c
"""


async def apply(
    conn: asyncpg.Connection,
    site: str,
    comment_id: int,
    *,
    status: str,
    rejection: str | None,
    actor: str,
    from_status: str,
    note: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(_APPLY, comment_id, status, rejection, actor, from_status, note, site)
    assert row is not None
    return row


async def set_label(
    conn: asyncpg.Connection, site: str, comment_id: int, label: str | None, given_by: str
) -> None:
    """The comment's training label from a decision; None removes it (a plain removal)."""
    if label is None:
        await labels.unlabel_comment(conn, site, comment_id, MODERATOR)
    else:
        await labels.label_comment(conn, site, comment_id, label, given_by, source=MODERATOR)


async def history(conn: Conn, site: str, comment_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT id, at, actor, from_status, to_status, rejection, spam_score, model_version, note
        FROM comment_history WHERE site = $1 AND comment_id = $2 ORDER BY id
        """,
        site,
        comment_id,
    )
    return rows


async def get(conn: Conn, site: str, comment_id: int) -> asyncpg.Record | None:
    """The site's comment; another site's id finds nothing."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM comments c WHERE c.site = $1 AND c.id = $2", site, comment_id
    )


async def label_of(conn: Conn, site: str, comment_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT label, source, given_by, created_at FROM labels "
        "WHERE site = $1 AND comment_id = $2",
        site,
        comment_id,
    )


async def stats(conn: Conn, site: str, since: datetime) -> tuple[int, list[asyncpg.Record]]:
    """The site's pending count, and status changes since `since` by outcome and by who."""
    pending = await conn.fetchval(
        "SELECT count(*) FROM comments WHERE site = $1 AND status = 'pending'", site
    )
    rows = await conn.fetch(
        """
        SELECT to_status, rejection, actor = 'auto' AS automatic, count(*) AS n
        FROM comment_history WHERE site = $1 AND at >= $2
        GROUP BY 1, 2, 3
        """,
        site,
        since,
    )
    return int(pending), rows
