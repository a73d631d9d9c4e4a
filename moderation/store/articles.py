"""SQL for articles: the pages comments belong to, with their title and address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# A known article keeps what it has; what it lacks (a title, an address) is filled in.
_UPSERT = """
INSERT INTO articles AS a (site, article, title, url, published_at)
SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
ON CONFLICT (site, article) DO UPDATE
SET title = coalesce(a.title, EXCLUDED.title),
    url = coalesce(a.url, EXCLUDED.url),
    published_at = coalesce(a.published_at, EXCLUDED.published_at),
    updated_at = now()
WHERE (a.title IS NULL AND EXCLUDED.title IS NOT NULL)
   OR (a.url IS NULL AND EXCLUDED.url IS NOT NULL)
   OR (a.published_at IS NULL AND EXCLUDED.published_at IS NOT NULL)
RETURNING (xmax = 0) AS inserted
"""


async def upsert_many(
    conn: Conn,
    site: str,
    rows: Sequence[tuple[str, str | None, str | None, datetime | None]],
) -> tuple[int, int]:
    """Store (article, title, url, published_at) rows; returns (added, completed)."""
    if not rows:
        return 0, 0
    columns = [list(col) for col in zip(*rows, strict=True)]
    result = await conn.fetch(_UPSERT, site, *columns)
    added = sum(1 for r in result if r["inserted"])
    return added, len(result) - added


async def get(conn: Conn, site: str, article: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """
        SELECT site, article, title, url, published_at, created_at, updated_at
        FROM articles WHERE site = $1 AND article = $2
        """,
        site,
        article,
    )


async def titles(conn: Conn, site: str, keys: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Title and address of each of these articles that has a row (the desk's cards)."""
    if not keys:
        return {}
    rows = await conn.fetch(
        "SELECT article, title, url FROM articles WHERE site = $1 AND article = ANY($2::text[])",
        site,
        sorted(set(keys)),
    )
    return {str(r["article"]): r for r in rows}


# --- per-article settings (migration 0016) --------------------------------------------

SETTINGS_COLUMNS = """
    site, article, title, url, published_at, state, close_after_days, created_at, updated_at,
    CASE WHEN close_after_days IS NULL THEN NULL
         ELSE coalesce(published_at, created_at) + make_interval(days => close_after_days)
    END AS closes_at
"""


async def with_settings(conn: Conn, site: str, article: str) -> asyncpg.Record | None:
    """The article's row with its state and when it closes by age (None: never)."""
    return await conn.fetchrow(
        f"SELECT {SETTINGS_COLUMNS}, now() AS now FROM articles WHERE site = $1 AND article = $2",
        site,
        article,
    )


async def put_settings(
    conn: Conn,
    site: str,
    article: str,
    *,
    title: str | None,
    url: str | None,
    state: str,
    close_after_days: int | None,
) -> tuple[asyncpg.Record, bool]:
    """Set an article's title, address, state and age limit; returns (row, created)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO articles AS a (site, article, title, url, state, close_after_days)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (site, article) DO UPDATE
        SET title = EXCLUDED.title, url = EXCLUDED.url, state = EXCLUDED.state,
            close_after_days = EXCLUDED.close_after_days, updated_at = now()
        RETURNING {SETTINGS_COLUMNS}, now() AS now, (xmax = 0) AS inserted
        """,
        site,
        article,
        title,
        url,
        state,
        close_after_days,
    )
    assert row is not None
    return row, bool(row["inserted"])
