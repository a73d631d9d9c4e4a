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
