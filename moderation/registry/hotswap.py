"""Every instance follows the registry's active model, within a second of a change.

A dedicated connection LISTENs on the registry's channel; a periodic check
catches anything missed while that connection was down. A swap replaces the
live model between requests: a request in flight keeps the model it started with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from aiohttp import web

from moderation.classifier import persist
from moderation.keys import MODEL, POOL, SETTINGS
from moderation.registry.loading import load_artifact
from moderation.store import models as model_store

log = logging.getLogger(__name__)


async def refresh(app: web.Application) -> bool:
    """Load the active model if it is not the one in use; True if it swapped."""
    live = app[MODEL]
    pool = app[POOL]
    version = await model_store.active_version(pool)
    if version is None or version == live.version:
        return False
    row = await model_store.active(pool)
    if row is None:
        return False
    try:
        model = await load_artifact(row["artifact"])
    except persist.UntrustedModel as exc:
        log.error("active model %s refused, keeping %s: %s", row["version"], live.version, exc)
        return False
    live.swap(model)
    log.info("now serving model %s", model.version)
    return True


async def _watch(app: web.Application) -> None:
    settings = app[SETTINGS]
    assert settings.database_url
    wake: asyncio.Queue[str] = asyncio.Queue()

    def notified(*args: Any) -> None:
        wake.put_nowait(str(args[-1]))  # the payload: the newly active version

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(settings.database_url, timeout=10)
            await conn.add_listener(model_store.CHANNEL, notified)
            await refresh(app)  # whatever changed while we were not listening
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.get(), timeout=settings.model_check_seconds)
                await refresh(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database went away: retry, keep serving
            log.warning("model watch interrupted (%s); retrying", type(exc).__name__)
            await asyncio.sleep(min(5.0, settings.model_check_seconds))
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()


async def model_watch(app: web.Application) -> AsyncIterator[None]:
    if app[SETTINGS].model_file:
        yield  # a pinned model file is never swapped
        return
    task = asyncio.create_task(_watch(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
