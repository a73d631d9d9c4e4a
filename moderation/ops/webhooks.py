"""Webhooks: signed JSON events to configured URLs, retried with back-off.

Events go into an outbox table after the change they describe has committed;
a sender on every instance leases due deliveries (SKIP LOCKED, so each is
posted by one instance), posts them, and reschedules failures with
exponential back-off. A request never waits for a webhook.

Each POST carries `X-Moderation-Event`, `X-Moderation-Delivery`, and
`X-Moderation-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with
the shared secret, so the receiver can check it came from us.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from moderation.keys import POOL, SETTINGS, WEBHOOK_WAKE
from moderation.ops import outbox
from moderation.ops.observability import METRICS
from moderation.store import webhooks as webhook_store

backoff = outbox.backoff  # the same back-off as every outbox

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 30.0


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "at": datetime.now(UTC).isoformat(), "data": data}


async def emit(app: web.Application, site: str, event: str, data: dict[str, Any]) -> None:
    """Queue a site's event for every configured URL (call after the change committed)."""
    urls = app[SETTINGS].webhook_urls
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
    if not app[SETTINGS].webhook_urls:
        yield
        return
    task = asyncio.create_task(_sender(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
