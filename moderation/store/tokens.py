"""SQL for API tokens."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Touch last_used_at at most once a minute: a write (and its commit) on every
# authenticated request cost milliseconds for a figure nobody needs to the second.
# Public: bench/queue.py times this very statement.
FIND_ACTIVE = """
WITH t AS (
    SELECT id, name, role, hash, site, last_used_at FROM tokens
    WHERE hash = $1 AND revoked_at IS NULL
), touched AS (
    UPDATE tokens SET last_used_at = now() FROM t
    WHERE tokens.id = t.id
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT id, name, role, hash, site FROM t
"""


async def find_active(conn: Conn, hash_: str) -> asyncpg.Record | None:
    return await conn.fetchrow(FIND_ACTIVE, hash_)


async def create(
    conn: Conn, name: str, role: str, hash_: str, prefix: str, site: str | None
) -> asyncpg.Record:
    """A token for one site, or (`site` None) for every site."""
    row = await conn.fetchrow(
        """
        INSERT INTO tokens (name, role, hash, prefix, site) VALUES ($1, $2, $3, $4, $5)
        RETURNING id, name, role, prefix, site, created_at
        """,
        name,
        role,
        hash_,
        prefix,
        site,
    )
    assert row is not None
    return row


async def list_all(
    conn: Conn, include_revoked: bool = False, site: str | None = None
) -> list[asyncpg.Record]:
    """Tokens (of one site only, when `site` is given: an admin of that site sees those)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT id, name, role, prefix, site, created_at, revoked_at, last_used_at FROM tokens
        WHERE ($1 OR revoked_at IS NULL) AND ($2::text IS NULL OR site = $2) ORDER BY id
        """,
        include_revoked,
        site,
    )
    return rows


async def revoke(
    conn: Conn, token_id: int | None = None, name: str | None = None, site: str | None = None
) -> int:
    """Revoke by id or by name (of one site's tokens, when `site` is given)."""
    result = await conn.execute(
        """
        UPDATE tokens SET revoked_at = now()
        WHERE revoked_at IS NULL AND (id = $1 OR name = $2)
          AND ($3::text IS NULL OR site = $3)
        """,
        token_id,
        name,
        site,
    )
    return int(result.split()[-1])


async def revoked(conn: Conn, hash_: str) -> bool:
    """Whether a token with this hash existed (find_active no longer finds it: revoked)."""
    return bool(await conn.fetchval("SELECT 1 FROM tokens WHERE hash = $1", hash_))
