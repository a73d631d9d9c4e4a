"""SQL for the model registry."""

from __future__ import annotations

from typing import Any

import asyncpg

# Distinct from the migrations' lock: seeding runs after migrating.
SEED_LOCK_KEY = 0x6D6F6466


async def active(conn: asyncpg.Connection | asyncpg.Pool) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT version, artifact, metadata FROM models WHERE state = 'active'"
    )


async def active_version(conn: asyncpg.Connection | asyncpg.Pool) -> str | None:
    value = await conn.fetchval("SELECT version FROM models WHERE state = 'active'")
    return None if value is None else str(value)


async def insert(
    conn: asyncpg.Connection,
    *,
    version: str,
    state: str,
    artifact: bytes,
    metadata: dict[str, Any],
    created_by: str,
) -> None:
    async with conn.transaction():
        if state == "active":
            await conn.execute("UPDATE models SET state = 'retired' WHERE state = 'active'")
        await conn.execute(
            """
            INSERT INTO models (version, state, artifact, metadata, created_by, activated_at)
            VALUES ($1, $2, $3, $4, $5, CASE WHEN $2 = 'active' THEN now() END)
            """,
            version,
            state,
            artifact,
            metadata,
            created_by,
        )
