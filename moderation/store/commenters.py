"""SQL for what the service knows about a commenter (by email): counts and dates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_SUMMARY = """
SELECT lower(author_email) AS email,
       count(*) FILTER (WHERE status = 'approved') AS approved,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE rejection = 'spam') AS spam,
       count(*) FILTER (WHERE rejection = 'removed') AS removed,
       min(created_at) AS first_seen, max(created_at) AS last_seen
FROM comments WHERE site = $2 AND lower(author_email) = ANY($1::text[])
GROUP BY lower(author_email)
"""


async def summaries(conn: Conn, site: str, emails: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Each address's counts by state on a site (lowercase keys); addresses never seen
    there are absent."""
    wanted = sorted({e.lower() for e in emails if e})
    if not wanted:
        return {}
    rows = await conn.fetch(_SUMMARY, wanted, site)
    return {str(r["email"]): r for r in rows}
