"""SQL for the model registry: versions, activation and its history."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Distinct from the migrations' lock: seeding runs after migrating.
SEED_LOCK_KEY = 0x6D6F6466
# Instances LISTEN here; the payload is the newly active version.
CHANNEL = "moderation_model"

_SUMMARY = "version, site, state, metadata, created_by, created_at, activated_at"


async def active(conn: Conn, site: str) -> asyncpg.Record | None:
    """A site's active model (the default site's is the installation's)."""
    return await conn.fetchrow(
        "SELECT version, artifact, metadata FROM models WHERE site = $1 AND state = 'active'",
        site,
    )


async def active_versions(conn: Conn) -> dict[str, str]:
    """Every site's active version, by site."""
    rows = await conn.fetch("SELECT site, version FROM models WHERE state = 'active'")
    return {str(r["site"]): str(r["version"]) for r in rows}


async def artifact(conn: Conn, site: str, version: str) -> bytes | None:
    value = await conn.fetchval(
        "SELECT artifact FROM models WHERE site = $1 AND version = $2", site, version
    )
    return None if value is None else bytes(value)


async def list_models(conn: Conn, site: str) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {_SUMMARY} FROM models WHERE site = $1 ORDER BY created_at DESC, version",
        site,
    )
    return rows


async def get(conn: Conn, site: str, version: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_SUMMARY} FROM models WHERE site = $1 AND version = $2", site, version
    )


async def insert(
    conn: asyncpg.Connection,
    *,
    site: str,
    version: str,
    state: str,
    artifact: bytes,
    metadata: dict[str, Any],
    created_by: str,
) -> None:
    async with conn.transaction():
        await conn.execute(
            """
            INSERT INTO models (version, state, artifact, metadata, created_by, site)
            VALUES ($1, 'candidate', $2, $3, $4, $5)
            """,
            version,
            artifact,
            metadata,
            created_by,
            site,
        )
        if state == "active":
            await activate(conn, site, version, created_by)


async def activate(conn: asyncpg.Connection, site: str, version: str, by: str) -> bool:
    """Make `version` the site's one active model; False if the site has no such model.

    Runs in the caller's transaction (or its own); the NOTIFY goes out on commit,
    so no instance loads a model that is not yet active.
    """
    async with conn.transaction():
        # Serialise activations: the unique index would refuse a second active anyway.
        await conn.execute("LOCK TABLE models IN SHARE ROW EXCLUSIVE MODE")
        exists = await conn.fetchval(
            "SELECT true FROM models WHERE site = $1 AND version = $2", site, version
        )
        if not exists:
            return False
        await conn.execute(
            "UPDATE models SET state = 'retired' "
            "WHERE site = $1 AND state = 'active' AND version <> $2",
            site,
            version,
        )
        await conn.execute(
            "UPDATE models SET state = 'active', activated_at = now() WHERE version = $1", version
        )
        await conn.execute(
            "INSERT INTO model_activations (site, version, activated_by) VALUES ($1, $2, $3)",
            site,
            version,
            by,
        )
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, version)
    return True


async def previous_active(conn: Conn, site: str) -> str | None:
    """The version the site had active before the current one, for a rollback."""
    value = await conn.fetchval(
        """
        SELECT a.version FROM model_activations a
        WHERE a.site = $1 AND a.version IS DISTINCT FROM
              (SELECT version FROM models WHERE site = $1 AND state = 'active')
        ORDER BY a.id DESC LIMIT 1
        """,
        site,
    )
    return None if value is None else str(value)
