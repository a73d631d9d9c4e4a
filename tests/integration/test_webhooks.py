"""Webhooks: signed events after the commit, retried with back-off, failures counted."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import pytest
from aiohttp import web

from tests.conftest import insert_comment

SECRET = "s3cret-for-tests"
DEADLINE_S = 20  # liveness bound for the background sender, not a performance claim


class Receiver:
    """A real HTTP endpoint on loopback that records what it is sent."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False) -> None:
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.calls: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        if self.always_fail or len(self.calls) <= self.fail_first:
            return web.Response(status=500)
        return web.Response(status=204)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.calls]


@pytest.fixture
async def clean_outbox(db: Any) -> None:
    """The db fixture has emptied the outbox (tests/db.reset)."""


async def start(aiohttp_server: Any, receiver: Receiver) -> str:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = await aiohttp_server(app)
    return str(server.make_url("/hook"))


async def until(predicate: Any) -> None:
    for _ in range(DEADLINE_S * 20):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the webhook did not arrive")


def hook_settings(make_settings: Any, url: str, **kw: Any) -> Any:
    return make_settings(
        webhook_urls=[url],
        webhook_secret=SECRET,
        webhook_retry_seconds=0.05,
        webhook_poll_seconds=0.05,
        **kw,
    )


async def test_a_held_comment_is_announced_with_a_valid_signature(
    aiohttp_server, make_settings, make_app_client, clean_outbox, payload
):
    receiver = Receiver()
    client = await make_app_client(
        hook_settings(make_settings, await start(aiohttp_server, receiver))
    )
    resp = await client.post("/v1/comments", json=payload(website_confirm="bot"))
    cid = (await resp.json())["id"]
    await until(lambda: receiver.calls)
    headers, body = receiver.calls[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Moderation-Signature"], expected)
    event = json.loads(body)
    assert event["event"] == headers["X-Moderation-Event"] == "comment.decided"
    assert event["data"] == {
        "site": "default",
        "comment_id": cid,
        "article": "ransomware-hits-hospital",
        "status": "rejected",
        "rejection": "spam",
        "by": "auto",
    }
    assert "dana@example.org" not in body.decode()  # no personal data in events


async def test_a_moderators_decision_is_announced(
    aiohttp_server, make_settings, make_app_client, make_token, db, clean_outbox
):
    receiver = Receiver()
    client = await make_app_client(
        hook_settings(make_settings, await start(aiohttp_server, receiver))
    )
    mod = await make_token(name="nia")
    cid = await insert_comment(db)
    await client.post(f"/v1/comments/{cid}/decision", headers=mod, json={"action": "approve"})
    await until(lambda: receiver.calls)
    assert receiver.events()[0]["data"]["by"] == "nia"
    assert receiver.events()[0]["data"]["status"] == "approved"


async def test_a_failed_delivery_is_retried_and_counted(
    aiohttp_server, make_settings, make_app_client, db, clean_outbox, payload
):
    receiver = Receiver(fail_first=2)
    client = await make_app_client(
        hook_settings(make_settings, await start(aiohttp_server, receiver))
    )
    await client.post("/v1/comments", json=payload(website_confirm="bot"))
    await until(lambda: len(receiver.calls) >= 3)
    row = None
    for _ in range(DEADLINE_S * 20):
        row = await db.fetchrow("SELECT attempts, delivered_at, last_error FROM webhook_deliveries")
        if row["delivered_at"] is not None:
            break
        await asyncio.sleep(0.05)
    assert row is not None
    assert row["attempts"] == 3 and row["delivered_at"] is not None and row["last_error"] is None
    ids = {h["X-Moderation-Delivery"] for h, _ in receiver.calls}
    assert len(ids) == 1  # the same delivery, retried
    metrics = await (await client.get("/metrics")).text()
    assert 'moderation_webhook_failures_total{event="comment.decided"} 2.0' in metrics


async def test_a_delivery_that_keeps_failing_is_given_up(
    aiohttp_server, make_settings, make_app_client, db, clean_outbox, payload
):
    receiver = Receiver(always_fail=True)
    url = await start(aiohttp_server, receiver)
    client = await make_app_client(hook_settings(make_settings, url, webhook_max_attempts=2))
    await client.post("/v1/comments", json=payload(website_confirm="bot"))
    row = None
    for _ in range(DEADLINE_S * 20):
        row = await db.fetchrow("SELECT attempts, failed_at, last_error FROM webhook_deliveries")
        if row is not None and row["failed_at"] is not None:
            break
        await asyncio.sleep(0.05)
    assert row is not None and row["failed_at"] is not None
    assert row["attempts"] == 2 and "500" in row["last_error"]


def test_webhook_urls_without_a_secret_are_refused(make_settings):
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        make_settings(webhook_urls=["http://127.0.0.1:9/hook"])


def test_backoff_doubles_and_is_capped():
    from moderation.ops.webhooks import backoff

    assert [backoff(n, 10) for n in (1, 2, 3)] == [10, 20, 40]
    assert backoff(40, 10) == 3600
