"""SQL for moderators' notes on comments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def add(
    conn: Conn, site: str, comment_id: int, author: str, note: str
) -> asyncpg.Record | None:
    """The new note, or None when the site has no such comment."""
    return await conn.fetchrow(
        """
        INSERT INTO comment_notes (site, comment_id, author, note)
        SELECT site, id, $2, $3 FROM comments WHERE site = $4 AND id = $1
        RETURNING id, comment_id, author, note, created_at
        """,
        comment_id,
        author,
        note,
        site,
    )


async def for_comments(
    conn: Conn, site: str, ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    """Each comment's notes, oldest first."""
    if not ids:
        return {}
    rows = await conn.fetch(
        """
        SELECT id, comment_id, author, note, created_at FROM comment_notes
        WHERE site = $2 AND comment_id = ANY($1::bigint[]) ORDER BY id
        """,
        list(ids),
        site,
    )
    out: dict[int, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(int(r["comment_id"]), []).append(r)
    return out
