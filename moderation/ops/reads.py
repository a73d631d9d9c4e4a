"""Where public reads go: the replicas in MODERATION_READ_DATABASE_URL, or the primary.

The pools and the rule are in store/replicas.py; this is their lifetime in the
app: a pool per replica (made without connecting, so a replica that is down at
start costs nothing but a warning), and a check of every replica's lag each
`replica_check_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import web

from moderation.keys import POOL, READS, SETTINGS
from moderation.store import db
from moderation.store.replicas import Reads, Replica

log = logging.getLogger(__name__)


def _name(url: str) -> str:
    """host:port/database, for logs: never the user or the password."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


async def _check(reads: Reads, every: float) -> None:
    while True:
        try:
            await reads.check(wait=max(1.0, every))
        except Exception:  # never let the checker die: reads would stay where they are
            log.exception("replica check failed")
        await asyncio.sleep(every)


async def read_replicas(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    reads = Reads(app[POOL], max_lag=settings.replica_max_lag_seconds)
    for url in settings.read_database_url:
        pool = await db.create_pool(
            url, min_size=0, max_size=settings.pool_max_size, connect_timeout=2
        )
        reads.replicas.append(Replica(_name(url), pool))
    app[READS] = reads
    task = None
    if reads.replicas:
        await reads.check()
        task = asyncio.create_task(_check(reads, settings.replica_check_seconds))
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await reads.close()
