"""Retention: rejected comments are purged, and IP addresses reduced, after a while.

Every instance runs the sweep; the statements are idempotent, so several
instances sweeping at once only repeat harmless work. The first sweep waits a
minute (or the sweep interval, if shorter): a fleet restarted together does not
sweep all at once, and a start is not slowed by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from moderation.keys import POOL, SETTINGS
from moderation.store import check_privacy
from moderation.store import mail as mail_store
from moderation.store import privacy as privacy_store

log = logging.getLogger(__name__)


async def sweep(app: web.Application) -> dict[str, int]:
    settings = app[SETTINGS]
    pool = app[POOL]
    purged = await privacy_store.purge_rejected(pool, settings.retention_rejected_days)
    reduced = await privacy_store.reduce_ips(pool, settings.retention_ip_days)
    # Akismet checks keep the same schedule (store/checks.py).
    purged += await check_privacy.purge_rejected(pool, settings.retention_rejected_days)
    reduced += await check_privacy.reduce_ips(pool, settings.retention_ip_days)
    # Readers' mail once sent (or given up), on the rejected comments' schedule.
    await mail_store.purge_done(pool, settings.retention_rejected_days)
    if purged or reduced:
        log.info("retention: purged %s rejected comments, reduced %s addresses", purged, reduced)
    return {"purged": purged, "reduced": reduced}


FIRST_SWEEP_AFTER_SECONDS = 60.0


async def _loop(app: web.Application) -> None:
    await asyncio.sleep(min(FIRST_SWEEP_AFTER_SECONDS, app[SETTINGS].retention_sweep_seconds))
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
