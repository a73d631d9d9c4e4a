"""Tampered `?cursor=` values are a clean 400 problem+json, never a 500 (issue 12, item 6).

Cursors are opaque, but a client can decode and re-encode them: ids past a
PostgreSQL bigint, dates a timestamp cannot hold and numbers that are not
finite must all be refused as "not a cursor this service gave out".
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest


def cursor(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


PUBLIC_CURSORS = [
    cursor(b"9223372036854775808"),  # int64 max + 1
    cursor(b"99999999999999999999999999999999"),
    cursor(b"-1"),
    cursor(b"1e9"),
    "not base64 at all!",
]

QUEUE_CURSORS = [
    cursor(["oldest", "2024-01-01T00:00:00+00:00", 2**63]),
    cursor(["oldest", "2024-01-01T00:00:00+00:00", -(2**63) - 1]),
    cursor(["oldest", "0001-01-01T00:00:00+14:00", 1]),  # before year 1 in UTC
    cursor(["oldest", "9999-12-31T23:59:59-14:00", 1]),  # after year 9999 in UTC
    cursor(["oldest", "2024-01-01T00:00:00", 1]),  # no time zone: not one we gave out
    cursor(["oldest", 12, 1]),
    cursor(["oldest", "2024-01-01T00:00:00+00:00", True]),
    cursor(["uncertain", "NaN", 1]),
    cursor(["uncertain", "Infinity", 1]),
    cursor(["uncertain", 0.5, 2**64]),
    cursor(["oldest", "2024-01-01T00:00:00+00:00"]),
    cursor({"oldest": 1}),
]


def assert_malformed(resp: Any, body: dict[str, Any]) -> None:
    assert resp.status == 400, body
    assert resp.content_type == "application/problem+json"
    assert body["title"] == "Malformed cursor"


@pytest.mark.parametrize("value", PUBLIC_CURSORS)
async def test_a_tampered_public_list_cursor_is_a_400(client, value):
    resp = await client.get("/v1/articles/story/comments", params={"cursor": value})
    assert_malformed(resp, await resp.json())


@pytest.mark.parametrize("value", PUBLIC_CURSORS)
async def test_a_tampered_embed_cursor_is_a_400(client, value):
    resp = await client.get("/embed/story", params={"cursor": value})
    assert resp.status == 400
    assert "Malformed cursor" in await resp.text()


@pytest.mark.parametrize("value", QUEUE_CURSORS)
async def test_a_tampered_queue_cursor_is_a_400(client, make_token, value):
    headers = await make_token("moderator")
    order = "uncertain" if b"uncertain" in base64.urlsafe_b64decode(value + "==") else "oldest"
    resp = await client.get("/v1/queue", params={"cursor": value, "order": order}, headers=headers)
    assert_malformed(resp, await resp.json())


async def test_a_cursor_the_queue_gave_out_still_works(client, make_token, db):
    from tests.conftest import insert_comment

    for _ in range(3):
        await insert_comment(db)
    headers = await make_token("moderator")
    for order in ("oldest", "uncertain"):
        first = await (
            await client.get("/v1/queue", params={"limit": 2, "order": order}, headers=headers)
        ).json()
        assert first["next_cursor"]
        resp = await client.get(
            "/v1/queue",
            params={"limit": 2, "order": order, "cursor": first["next_cursor"]},
            headers=headers,
        )
        assert resp.status == 200
        assert len((await resp.json())["items"]) == 1
