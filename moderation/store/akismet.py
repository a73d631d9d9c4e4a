"""SQL for the Akismet API: which comment each check stored, found by guid or by content."""

from __future__ import annotations

import uuid
from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def record_check(
    conn: Conn, guid: uuid.UUID, comment_id: int, site: str, fields: dict[str, Any]
) -> None:
    await conn.execute(
        "INSERT INTO akismet_checks (guid, comment_id, site, fields) VALUES ($1, $2, $3, $4)",
        guid,
        comment_id,
        site,
        fields,
    )


async def by_guid(conn: Conn, site: str, guid: uuid.UUID) -> int | None:
    """The comment a check of this site stored; another site's guid finds nothing."""
    found = await conn.fetchval(
        "SELECT comment_id FROM akismet_checks WHERE guid = $1 AND site = $2", guid, site
    )
    return None if found is None else int(found)


async def by_content(conn: Conn, site: str, email: str, body: str) -> tuple[int, uuid.UUID] | None:
    """The latest comment this site had checked with this email and body, and its guid."""
    row = await conn.fetchrow(
        """
        SELECT a.comment_id, a.guid FROM akismet_checks a JOIN comments c ON c.id = a.comment_id
        WHERE a.site = $1 AND lower(c.author_email) = lower($2) AND c.body = $3
        ORDER BY a.created_at DESC, a.comment_id DESC
        LIMIT 1
        """,
        site,
        email,
        body,
    )
    return None if row is None else (int(row["comment_id"]), row["guid"])
