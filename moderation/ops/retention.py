"""Retention: rejected comments are purged, and IP addresses reduced, after a while.

Every instance runs the sweep; the statements are idempotent, so several
instances sweeping at once only repeat harmless work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from moderation.keys import POOL, SETTINGS
from moderation.store import checks as check_store
from moderation.store import privacy as privacy_store

log = logging.getLogger(__name__)


async def sweep(app: web.Application) -> dict[str, int]:
    settings = app[SETTINGS]
    pool = app[POOL]
    purged = await privacy_store.purge_rejected(pool, settings.retention_rejected_days)
    reduced = await privacy_store.reduce_ips(pool, settings.retention_ip_days)
    # Akismet checks keep the same schedule (store/checks.py).
    purged += await check_store.purge_rejected(pool, settings.retention_rejected_days)
    reduced += await check_store.reduce_ips(pool, settings.retention_ip_days)
    if purged or reduced:
        log.info("retention: purged %s rejected comments, reduced %s addresses", purged, reduced)
    return {"purged": purged, "reduced": reduced}


async def _loop(app: web.Application) -> None:
    while True:
        try:
            await sweep(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away; try again next time
            log.warning("retention sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(app[SETTINGS].retention_sweep_seconds)


async def retention(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
