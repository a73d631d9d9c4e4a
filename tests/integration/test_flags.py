"""Reader flags (issue 16): public, one per reader, a threshold sends a comment back."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.conftest import insert_comment


def _from(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def _flag(client: Any, comment_id: int, ip: str, **body: Any) -> Any:
    return await client.post(
        f"/v1/comments/{comment_id}/flags",
        json={"reason": "spam", **body},
        headers=_from(ip),
    )


async def test_enough_flags_send_a_published_comment_back_to_the_queue(
    make_app_client: Any, make_settings: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(make_settings(trusted_proxies=["127.0.0.0/8"], flag_threshold=2))
    cid = await insert_comment(db, status="approved")
    resp = await _flag(client, cid, "198.51.100.1", note="selling pills")
    assert resp.status == 201
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "approved"
    # One flag per reader: the same reader again is a conflict and counts nothing.
    assert (await _flag(client, cid, "198.51.100.1")).status == 409
    assert (await _flag(client, cid, "198.51.100.2", reason="abuse")).status == 201
    row = await db.fetchrow("SELECT status, reasons FROM comments WHERE id = $1", cid)
    assert row["status"] == "pending"
    assert any(r.startswith("flagged by readers") for r in row["reasons"])
    history = await db.fetch(
        "SELECT actor, from_status, to_status FROM comment_history WHERE comment_id = $1", cid
    )
    assert [(h["actor"], h["from_status"], h["to_status"]) for h in history] == [
        ("flags", "approved", "pending")
    ]
    # Hidden from readers now, and found by the queue's flagged filter.
    listed = await (await client.get("/v1/articles/story/comments")).json()
    assert listed["items"] == []
    moderator = await make_token("moderator")
    flagged = await (await client.get("/v1/queue?flagged=true", headers=moderator)).json()
    assert [i["id"] for i in flagged["items"]] == [cid]
    other = await insert_comment(db, status="pending")
    unflagged = await (await client.get("/v1/queue?flagged=false", headers=moderator)).json()
    assert [i["id"] for i in unflagged["items"]] == [other]
    assert (await client.get("/v1/queue?flagged=maybe", headers=moderator)).status == 422


async def test_only_published_comments_can_be_flagged(client: Any, db: asyncpg.Connection) -> None:
    held = await insert_comment(db, status="pending")
    assert (await _flag(client, held, "198.51.100.1")).status == 404
    assert (await _flag(client, 987654, "198.51.100.1")).status == 404


async def test_flags_must_be_json_with_a_known_reason(client: Any, db: asyncpg.Connection) -> None:
    cid = await insert_comment(db, status="approved")
    resp = await client.post(f"/v1/comments/{cid}/flags", data={"reason": "spam"})
    assert resp.status == 415
    resp = await client.post(f"/v1/comments/{cid}/flags", json={"reason": "ugly"})
    assert resp.status == 422
    assert (await resp.json())["errors"][0]["field"] == "reason"


async def test_flags_are_flood_limited_per_address(
    make_app_client: Any, make_settings: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(
        make_settings(trusted_proxies=["127.0.0.0/8"], flood_ip_interval_seconds=60)
    )
    first = await insert_comment(db, status="approved")
    second = await insert_comment(db, status="approved")
    assert (await _flag(client, first, "198.51.100.7")).status == 201
    resp = await _flag(client, second, "198.51.100.7")
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert (await _flag(client, second, "198.51.100.8")).status == 201
