"""SQL for API tokens."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Touch last_used_at at most once a minute: a write (and its commit) on every
# authenticated request cost milliseconds for a figure nobody needs to the second.
_FIND = """
WITH t AS (
    SELECT id, name, role, hash, last_used_at FROM tokens
    WHERE hash = $1 AND revoked_at IS NULL
), touched AS (
    UPDATE tokens SET last_used_at = now() FROM t
    WHERE tokens.id = t.id
      AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT id, name, role, hash FROM t
"""


async def find_active(conn: Conn, hash_: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_FIND, hash_)


async def create(conn: Conn, name: str, role: str, hash_: str, prefix: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        """
        INSERT INTO tokens (name, role, hash, prefix) VALUES ($1, $2, $3, $4)
        RETURNING id, name, role, prefix, created_at
        """,
        name,
        role,
        hash_,
        prefix,
    )
    assert row is not None
    return row


async def list_all(conn: Conn, include_revoked: bool = False) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT id, name, role, prefix, created_at, revoked_at, last_used_at FROM tokens
        WHERE $1 OR revoked_at IS NULL ORDER BY id
        """,
        include_revoked,
    )
    return rows


async def revoke(conn: Conn, token_id: int | None = None, name: str | None = None) -> int:
    """Revoke by id or by name; returns how many tokens were revoked."""
    result = await conn.execute(
        """
        UPDATE tokens SET revoked_at = now()
        WHERE revoked_at IS NULL AND (id = $1 OR name = $2)
        """,
        token_id,
        name,
    )
    return int(result.split()[-1])
