"""Command-line plumbing: a database for one-off commands (the embedded one if needed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import asyncpg

from moderation.settings import Settings

log = logging.getLogger("moderation")
T = TypeVar("T")


@contextmanager
def database_url(settings: Settings) -> Iterator[Settings]:
    """Settings with a database URL: the configured one, or an embedded server's."""
    if settings.database_url:
        yield settings
        return
    from moderation.ops.embedded import bin_dir, embedded_postgres

    with embedded_postgres(settings.pgdata) as url:
        # The embedded server's own pg_dump matches it; nobody else backs it up.
        update: dict[str, object] = {"database_url": url}
        if settings.pg_bin_dir is None:
            update["pg_bin_dir"] = bin_dir()
        if settings.backup_auto is None:
            update["backup_auto"] = True
        yield settings.model_copy(update=update)


def with_pool(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run `work` with a migrated database (the embedded one if no URL is set)."""
    from moderation.store import db, migrations

    async def run(url: str) -> T:
        pool = await db.create_pool(url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                await migrations.migrate(conn)
            return await work(pool)
        finally:
            await pool.close()

    with database_url(settings) as ready:
        assert ready.database_url
        return asyncio.run(run(ready.database_url))
