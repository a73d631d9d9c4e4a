"""Every instance follows the registry's active model, within a second of a change.

A dedicated connection LISTENs on the registry's channel; a periodic check
catches anything missed while that connection was down. A database restart
closes that connection: asyncpg's termination callback (or, for a peer gone
without a word, a ping every PING_SECONDS) says so at once, the loss is
logged, and the watch reconnects straight away, then backs off while the
database stays down; on reconnecting it loads whatever became active meanwhile. A swap replaces the
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
    """Load each site's active model if it is not the one in use; True if any swapped."""
    live = app[MODEL]
    pool = app[POOL]
    swapped = False
    for site, version in (await model_store.active_versions(pool)).items():
        if live.has_own(site) and version == live.for_site(site).version:
            continue
        row = await model_store.active(pool, site)
        if row is None:
            continue
        try:
            model = await load_artifact(row["artifact"])
        except persist.UntrustedModel as exc:
            keeping = live.for_site(site).version
            log.error("active model %s refused, keeping %s: %s", row["version"], keeping, exc)
            continue
        # Loading took a while: an activation (here or elsewhere) may have come after
        # our read, and a stale model must not replace the newer one it swapped in.
        if (await model_store.active_versions(pool)).get(site) != row["version"]:
            continue
        live.swap(model, site)
        log.info("now serving model %s for %s", model.version, site)
        swapped = True
    return swapped


# A lost listener is seen at once through asyncpg's termination callback; a peer that
# vanished without closing the socket (a crash, a network cut) by a ping this often.
PING_SECONDS = 2.0
PING_TIMEOUT = 2.0
RETRY_FIRST, RETRY_MAX = 0.1, 5.0  # reconnect at once, then back off while it is down
_LOST = "\x00lost"  # in the wake queue: the LISTEN connection is gone


async def _watch(app: web.Application) -> None:
    settings = app[SETTINGS]
    assert settings.database_url
    loop = asyncio.get_running_loop()
    wake: asyncio.Queue[str] = asyncio.Queue()
    retry = RETRY_FIRST
    was_lost = False

    def notified(*args: Any) -> None:
        wake.put_nowait(str(args[-1]))  # the payload: the newly active version

    def terminated(_: Any) -> None:
        wake.put_nowait(_LOST)

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(settings.database_url, timeout=10)
            conn.add_termination_listener(terminated)
            await conn.add_listener(model_store.CHANNEL, notified)
            if was_lost:
                log.warning("model watch: listening again for model changes")
            retry, was_lost = RETRY_FIRST, False
            await refresh(app)  # whatever changed while we were not listening
            next_poll = loop.time() + settings.model_check_seconds
            while True:
                timeout = max(0.0, min(PING_SECONDS, next_poll - loop.time()))
                try:
                    got: str | None = await asyncio.wait_for(wake.get(), timeout=timeout)
                except TimeoutError:
                    got = None
                if got == _LOST or conn.is_closed():
                    raise ConnectionError("the LISTEN connection was closed")
                if got is None and loop.time() < next_poll:
                    await conn.fetchval("SELECT 1", timeout=PING_TIMEOUT)
                    continue
                await refresh(app)
                next_poll = loop.time() + settings.model_check_seconds
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database went away: reconnect, keep serving
            if not was_lost:
                log.warning(
                    "model watch: LISTEN connection lost (%s: %s); reconnecting",
                    type(exc).__name__,
                    exc,
                )
            was_lost = True
            await asyncio.sleep(retry)
            retry = min(RETRY_MAX, retry * 2)
        finally:
            while not wake.empty():  # a stale "lost" must not end the next connection;
                wake.get_nowait()  # changes missed meanwhile are read on reconnecting
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.remove_termination_listener(terminated)
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
