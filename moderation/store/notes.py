"""SQL for moderators' notes on comments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def add(conn: Conn, comment_id: int, author: str, note: str) -> asyncpg.Record | None:
    """The new note, or None when there is no such comment."""
    return await conn.fetchrow(
        """
        INSERT INTO comment_notes (comment_id, author, note)
        SELECT id, $2, $3 FROM comments WHERE id = $1
        RETURNING id, comment_id, author, note, created_at
        """,
        comment_id,
        author,
        note,
    )


async def for_comments(conn: Conn, ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """Each comment's notes, oldest first."""
    if not ids:
        return {}
    rows = await conn.fetch(
        """
        SELECT id, comment_id, author, note, created_at FROM comment_notes
        WHERE comment_id = ANY($1::bigint[]) ORDER BY id
        """,
        list(ids),
    )
    out: dict[int, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(int(r["comment_id"]), []).append(r)
    return out
