"""Webhooks: signed JSON events to configured URLs, retried with back-off.

Events go into an outbox table after the change they describe has committed;
a sender on every instance leases due deliveries (SKIP LOCKED, so each is
posted by one instance), posts them, and reschedules failures with
exponential back-off. A request never waits for a webhook.

Each POST carries `X-Moderation-Event`, `X-Moderation-Delivery`, and
`X-Moderation-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with
the shared secret, so the receiver can check it came from us.

Each site's events go to its own URLs (`webhook_urls` in the site's settings,
ops/sites.py): with several sites, each WordPress hears only of its own checks.
A site without URLs of its own uses the installation's `MODERATION_WEBHOOK_URLS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
import orjson
from aiohttp import web

from moderation.keys import POOL, SETTINGS, WEBHOOK_WAKE
from moderation.ops import outbox, sites
from moderation.ops.observability import METRICS
from moderation.settings import Settings
from moderation.store import sites as site_store
from moderation.store import webhooks as webhook_store

backoff = outbox.backoff  # the same back-off as every outbox

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 30.0


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "at": datetime.now(UTC).isoformat(), "data": data}


def enabled(settings: Settings) -> bool:
    """Whether an event may have somewhere to go: the installation's URLs, or a secret to
    sign the URLs a site may have of its own (sites need the secret to have any)."""
    return bool(settings.webhook_urls or settings.webhook_secret)


def urls_of(base: Settings, site_settings: Mapping[str, Any]) -> list[str]:
    """A site's URLs: its own when its settings name some (an empty list too: none),
    else the installation's."""
    own = site_settings.get("webhook_urls")
    if isinstance(own, list):
        return [str(u) for u in own]
    return list(base.webhook_urls)


async def urls_for(conn: asyncpg.Pool | asyncpg.Connection, base: Settings, site: str) -> list[str]:
    """`urls_of` for a process without the app's site directory (a training job)."""
    row = await site_store.get(conn, site)
    return urls_of(base, row["settings"] if row is not None else {})


async def emit(app: web.Application, site: str, event: str, data: dict[str, Any]) -> None:
    """Queue a site's event for the site's URLs (call after the change committed)."""
    settings = app[SETTINGS]
    if not enabled(settings):
        return
    found = await sites.known(app, app[POOL], site)
    urls = urls_of(settings, found.settings if found is not None else {})
    if not urls:
        return
    await webhook_store.enqueue(app[POOL], site, event, envelope(event, data), urls)
    app[WEBHOOK_WAKE].set()


async def _post(session: aiohttp.ClientSession, secret: str, row: Any, seconds: float) -> None:
    body = orjson.dumps({"delivery": row["id"], **row["payload"]})
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "moderation-webhooks/1",
        "X-Moderation-Event": row["event"],
        "X-Moderation-Delivery": str(row["id"]),
        "X-Moderation-Signature": sign(secret, body),
    }
    async with session.post(
        row["url"], data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=seconds)
    ) as resp:
        if resp.status >= 300:
            raise RuntimeError(f"answered {resp.status}")


async def deliver_due(app: web.Application, session: aiohttp.ClientSession) -> int:
    """Post what is due now; returns how many deliveries were attempted."""
    settings = app[SETTINGS]
    pool = app[POOL]
    rows = await webhook_store.lease_due(pool, BATCH, LEASE_SECONDS)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    metrics = app.get(METRICS)
    for row in rows:
        try:
            await _post(session, secret, row, settings.webhook_timeout_seconds)
        except (aiohttp.ClientError, TimeoutError, RuntimeError, OSError) as exc:
            attempts = row["attempts"] + 1
            retry = (
                None
                if attempts >= settings.webhook_max_attempts
                else backoff(attempts, settings.webhook_retry_seconds)
            )
            await webhook_store.failed(pool, row["id"], f"{type(exc).__name__}: {exc}", retry)
            if metrics is not None:
                metrics.webhook_failures.labels(row["event"]).inc()
            log.warning(
                "webhook %s to delivery %s failed (attempt %s): %s",
                row["event"],
                row["id"],
                attempts,
                type(exc).__name__,
            )
        else:
            await webhook_store.delivered(pool, row["id"])
            if metrics is not None:
                metrics.webhook_deliveries.labels(row["event"]).inc()
    return len(rows)


async def _sender(app: web.Application) -> None:
    async with aiohttp.ClientSession() as session:
        await outbox.keep_sending(
            "webhook",
            lambda: deliver_due(app, session),
            BATCH,
            app[WEBHOOK_WAKE],
            lambda: app[SETTINGS].webhook_poll_seconds,
        )


async def sender(app: web.Application) -> AsyncIterator[None]:
    app[WEBHOOK_WAKE] = asyncio.Event()
    if not enabled(app[SETTINGS]):
        yield
        return
    task = asyncio.create_task(_sender(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
