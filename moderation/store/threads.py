"""SQL for conversations: the comments a reply answers, and a comment's whole thread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_BRIEF = "c.id, c.parent_id, c.author_name, c.body, c.status, c.rejection, c.created_at"


async def by_ids(conn: Conn, site: str, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Short rows for these comments of a site (the parents of a page's replies)."""
    if not ids:
        return {}
    rows = await conn.fetch(
        f"SELECT {_BRIEF} FROM comments c WHERE c.site = $2 AND c.id = ANY($1::bigint[])",
        sorted(set(ids)),
        site,
    )
    return {int(r["id"]): r for r in rows}


async def thread(conn: Conn, site: str, comment_id: int, limit: int = 200) -> list[asyncpg.Record]:
    """The comment's thread: from its top-level ancestor down, every reply,
    in conversation order (`depth` 0 is the top), at most `limit` comments."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""
        WITH RECURSIVE up AS (
            SELECT id, parent_id, 0 AS n FROM comments WHERE site = $3 AND id = $1
            UNION ALL
            SELECT p.id, p.parent_id, up.n + 1 FROM comments p
            JOIN up ON p.site = $3 AND p.id = up.parent_id
            WHERE up.n < 50
        ), top AS (
            SELECT id FROM up ORDER BY n DESC LIMIT 1
        ), down AS (
            SELECT c.id, 0 AS depth, ARRAY[c.id] AS path FROM comments c
            JOIN top ON c.site = $3 AND c.id = top.id
            UNION ALL
            SELECT r.id, down.depth + 1, down.path || r.id
            FROM comments r JOIN down ON r.site = $3 AND r.parent_id = down.id
            WHERE down.depth < 50
        )
        SELECT {_BRIEF}, down.depth FROM down JOIN comments c ON c.site = $3 AND c.id = down.id
        ORDER BY down.path LIMIT $2
        """,
        comment_id,
        limit,
        site,
    )
    return rows
