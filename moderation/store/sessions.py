"""SQL for desk sessions (migrations/0006_sessions.sql)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def create(
    conn: Conn, id_hash: str, token_id: int, csrf_secret: str, lifetime: timedelta, site: str
) -> None:
    # Signing in is rare: a good moment to forget the sessions that have expired.
    await conn.execute("DELETE FROM sessions WHERE expires_at < now()")
    await conn.execute(
        """
        INSERT INTO sessions (id_hash, token_id, csrf_secret, expires_at, site)
        VALUES ($1, $2, $3, now() + $4::interval, $5)
        """,
        id_hash,
        token_id,
        csrf_secret,
        lifetime,
        site,
    )


# A live session of a token that is not revoked; optionally takes its flash messages.
# The self-join reads the row as it was before the update, so RETURNING gives the old flash.
_FIND = """
UPDATE sessions s SET flash = CASE WHEN $2 THEN NULL ELSE s.flash END
FROM sessions old JOIN tokens t ON t.id = old.token_id
WHERE s.id_hash = $1 AND old.id_hash = s.id_hash
  AND old.expires_at > now() AND t.revoked_at IS NULL
RETURNING s.id_hash, s.token_id, t.name, t.role, t.site AS token_site, s.site,
          s.csrf_secret, s.expires_at,
          CASE WHEN $2 THEN old.flash END AS flash
"""


async def find(conn: Conn, id_hash: str, take_flash: bool) -> asyncpg.Record | None:
    return await conn.fetchrow(_FIND, id_hash, take_flash)


async def add_flash(conn: Conn, id_hash: str, messages: list[dict[str, Any]]) -> None:
    await conn.execute(
        """
        UPDATE sessions SET flash = coalesce(flash, '[]'::jsonb) || $2::jsonb
        WHERE id_hash = $1
        """,
        id_hash,
        messages,
    )


async def switch_site(conn: Conn, id_hash: str, site: str) -> None:
    """The site the desk shows from now on (the caller checked the token sees it)."""
    await conn.execute("UPDATE sessions SET site = $2 WHERE id_hash = $1", id_hash, site)


async def delete(conn: Conn, id_hash: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = $1", id_hash)
