"""Every status change is announced, whichever entry point made it: a metric and a webhook.

The announcement belongs to the service that changes the status
(ops/events.comment_decided), so the desk, the Akismet API and re-scoring
announce like the moderator API always did.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from moderation.registry.rescore import rescore_pending
from tests.conftest import insert_comment
from tests.integration.test_pages import decide, desk

DEADLINE_S = 20  # liveness bound for the background outbox write, not a performance claim
NOWHERE = "http://127.0.0.1:9/hook"  # deliveries fail; the outbox rows stay to be read


@pytest.fixture
async def announcing(make_settings: Any, make_app_client: Any, db: Any) -> Any:
    """A client whose app queues webhooks (to an address that never answers)."""

    async def make(**overrides: Any) -> Any:
        settings = make_settings(
            webhook_urls=[NOWHERE], webhook_secret="s3cret", webhook_poll_seconds=60, **overrides
        )
        return await make_app_client(settings)

    return make


async def outbox(db: Any, event: str, count: int = 1) -> list[Any]:
    """The outbox rows of `event`, once `count` of them are there."""
    for _ in range(DEADLINE_S * 20):
        rows = await db.fetch(
            "SELECT payload FROM webhook_deliveries WHERE event = $1 ORDER BY id", event
        )
        if len(rows) >= count:
            return [dict(r["payload"]["data"]) for r in rows]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {event} in the webhook outbox")


async def decisions_metric(client: Any, by: str, outcome: str) -> str:
    text = await (await client.get("/metrics")).text()
    line = f'moderation_decisions_total{{by="{by}",outcome="{outcome}",site="default"}}'
    return next((row.split()[-1] for row in text.splitlines() if row.startswith(line)), "0")


async def test_a_desk_decision_is_counted_and_queues_a_comment_decided_webhook(
    announcing, make_token, db
):
    client = await announcing()
    cid = await insert_comment(db)
    csrf = await desk(client, make_token, name="alice")
    resp = await decide(client, csrf, [cid], "spam", expected_status="pending", back="/desk")
    assert resp.status == 303
    [data] = await outbox(db, "comment.decided")
    assert data == {
        "site": "default",
        "comment_id": cid,
        "article": "story",
        "status": "rejected",
        "rejection": "spam",
        "by": "alice",
    }
    assert await decisions_metric(client, "human", "spam") == "1.0"


async def test_a_bulk_desk_decision_announces_each_comment(announcing, make_token, db):
    client = await announcing()
    ids = [await insert_comment(db) for _ in range(3)]
    csrf = await desk(client, make_token)
    await decide(client, csrf, ids, "approve", back="/desk")
    announced = await outbox(db, "comment.decided", count=3)
    assert sorted(d["comment_id"] for d in announced) == ids
    assert await decisions_metric(client, "human", "approved") == "3.0"


async def test_re_scoring_announces_what_the_model_decided_about_pending_comments(announcing, db):
    # A disallowed word rejects whatever the model says, so the outcome does not hang on it.
    client = await announcing(disallowed_words=["zorblax"])
    spam = await insert_comment(db, body="Buy zorblax pills today.")
    counts = await rescore_pending(client.app, "default")
    assert counts.get("rejected") == 1
    [data] = await outbox(db, "comment.decided")
    assert (data["comment_id"], data["status"], data["rejection"], data["by"]) == (
        spam,
        "rejected",
        "spam",
        "auto",
    )
    assert await decisions_metric(client, "auto", "spam") == "1.0"


async def test_a_stored_akismet_check_is_counted_but_not_announced_as_a_comment(
    announcing, make_token, db
):
    client = await announcing(disallowed_words=["zorblax"])
    headers = await make_token("site", name="news.example")
    form = {
        "api_key": headers["Authorization"].removeprefix("Bearer "),
        "blog": "https://news.example/",
        "user_ip": "203.0.113.7",
        "permalink": "https://news.example/2024/05/story",
        "comment_author": "Spam Bot",
        "comment_author_email": "bot@example.com",
        "comment_content": "Buy zorblax pills today.",
    }
    resp = await client.post("/1.1/comment-check", data=form)
    assert await resp.text() == "true"
    # A check is not a comment: no comment.* event (the site has its answer already);
    # only a moderator's decision on a held check is sent (check.decided).
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    assert await decisions_metric(client, "auto", "spam") == "1.0"
