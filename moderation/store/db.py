"""Connection pool set-up: JSON codecs and sane timeouts."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson


def _encode_json(value: Any) -> str:
    return orjson.dumps(value).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_encode_json, decoder=orjson.loads, schema="pg_catalog"
        )


async def keep_session(conn: asyncpg.Connection) -> None:
    """Pool release without asyncpg's reset query (a round trip on every release).

    asyncpg still rolls back an open transaction first. Nothing here leaves
    session state behind: no SET, LISTEN runs on dedicated connections, and
    advisory locks are taken and released in try/finally.
    """
    del conn


async def create_pool(
    url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    connect_timeout: float = 10,
    server_settings: dict[str, str] | None = None,
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=keep_session,
        command_timeout=30,
        timeout=connect_timeout,
        server_settings={
            "application_name": "moderation",
            "timezone": "UTC",
            **(server_settings or {}),
        },
    )
    assert pool is not None
    return pool
