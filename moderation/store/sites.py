"""SQL for sites (issue 13): the short id every row carries, a name, origins, settings."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_COLUMNS = "id, name, origins, settings, created_at"


async def get(conn: Conn, site: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_COLUMNS} FROM sites WHERE id = $1", site)


async def list_all(conn: Conn) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(f"SELECT {_COLUMNS} FROM sites ORDER BY id")
    return rows


async def ids(conn: Conn) -> list[str]:
    return [str(r["id"]) for r in await conn.fetch("SELECT id FROM sites ORDER BY id")]


async def create(
    conn: Conn, site: str, name: str, origins: list[str], settings: dict[str, Any]
) -> asyncpg.Record | None:
    """The new site, or None when the id is taken."""
    return await conn.fetchrow(
        f"""
        INSERT INTO sites (id, name, origins, settings) VALUES ($1, $2, $3, $4)
        ON CONFLICT (id) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        site,
        name,
        origins,
        settings,
    )


async def update(
    conn: Conn,
    site: str,
    *,
    name: str | None = None,
    origins: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> asyncpg.Record | None:
    """Rename a site, replace its origins, or set some of its settings (the others stay);
    None when there is no such site."""
    return await conn.fetchrow(
        f"""
        UPDATE sites SET name = coalesce($2, name), origins = coalesce($3, origins),
                         settings = settings || coalesce($4::jsonb, '{{}}'::jsonb)
        WHERE id = $1
        RETURNING {_COLUMNS}
        """,
        site,
        name,
        origins,
        settings,
    )


async def by_origin(conn: Conn, origin: str) -> str | None:
    """The site whose origins include this one (scheme://host[:port], lowercase)."""
    value = await conn.fetchval(
        "SELECT id FROM sites WHERE $1 = ANY(origins) ORDER BY id LIMIT 1", origin
    )
    return None if value is None else str(value)
