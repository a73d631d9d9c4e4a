"""Undoing a decision (POST /v1/comments/{id}/undo): safe, recorded and announced."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import insert_comment
from tests.integration.test_announcements import announcing, decisions_metric, outbox
from tests.integration.test_pages import decide as desk_decide
from tests.integration.test_pages import desk

__all__ = ["announcing"]  # the fixture, used by name below
PROBLEM = "application/problem+json"


async def decide(client: Any, who: dict[str, str], cid: int, action: str) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/comments/{cid}/decision",
        json={"action": action, "expected_status": "pending"},
        headers=who,
    )
    assert resp.status == 200, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def undo(client: Any, who: dict[str, str], cid: int, decision_id: int) -> Any:
    return await client.post(
        f"/v1/comments/{cid}/undo", json={"decision_id": decision_id}, headers=who
    )


async def test_undoing_an_approval_unpublishes_it_and_puts_it_back_in_my_queue(
    announcing, make_token, db
):
    client = await announcing()
    mod = await make_token("moderator", "alice")
    cid = await insert_comment(db, article="undo-story", body="Published, then not.")
    decided = await decide(client, mod, cid, "approve")
    public = await (await client.get("/v1/articles/undo-story/comments")).json()
    assert [c["id"] for c in public["items"]] == [cid]

    resp = await undo(client, mod, cid, decided["decision_id"])
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert (after["status"], after["rejection"], after["claimed_by"]) == ("pending", None, "alice")
    assert after["decision_id"] > decided["decision_id"]
    # The article's page (cached a moment ago) no longer shows it.
    public = await (await client.get("/v1/articles/undo-story/comments")).json()
    assert public["items"] == []
    assert await db.fetchval("SELECT count(*) FROM labels WHERE comment_id = $1", cid) == 0
    history = await (await client.get(f"/v1/comments/{cid}/history", headers=mod)).json()
    last = history["items"][-1]
    assert (last["id"], last["by"], last["from"], last["to"]) == (
        after["decision_id"],
        "alice",
        "approved",
        "pending",
    )
    assert str(decided["decision_id"]) in last["note"]
    held = await outbox(db, "comment.held")
    assert held[-1] == {
        "site": "default",
        "comment_id": cid,
        "article": "undo-story",
        "status": "pending",
        "rejection": None,
        "by": "alice",
    }
    assert await decisions_metric(client, "human", "pending") == "1.0"


async def test_undoing_an_unpublishing_restores_the_earlier_decision_and_its_label(
    client, make_token, db
):
    mod = await make_token("moderator", "alice")
    cid = await insert_comment(db)
    await decide(client, mod, cid, "approve")
    resp = await client.post(
        f"/v1/comments/{cid}/decision",
        json={"action": "spam", "expected_status": "approved"},
        headers=mod,
    )
    spam = await resp.json()
    resp = await undo(client, mod, cid, spam["decision_id"])
    assert resp.status == 200, await resp.text()
    after = await resp.json()
    assert (after["status"], after["decided_by"], after["claimed_by"]) == (
        "approved",
        "alice",
        None,
    )
    assert await db.fetchval("SELECT label FROM labels WHERE comment_id = $1", cid) == "ham"


async def test_an_undo_after_another_decision_is_409_saying_who_changed_it(client, make_token, db):
    alice = await make_token("moderator", "alice")
    bob = await make_token("moderator", "bob")
    cid = await insert_comment(db)
    first = await decide(client, alice, cid, "approve")
    resp = await client.post(
        f"/v1/comments/{cid}/decision",
        json={"action": "spam", "expected_status": "approved"},
        headers=bob,
    )
    assert resp.status == 200
    resp = await undo(client, alice, cid, first["decision_id"])
    assert resp.status == 409
    assert resp.content_type == PROBLEM
    problem = await resp.json()
    assert problem["type"].endswith("/stale")
    assert "marked as spam by bob" in problem["detail"]
    assert problem["current"] == {"status": "rejected", "rejection": "spam", "decided_by": "bob"}
    row = await db.fetchrow("SELECT status, rejection FROM comments WHERE id = $1", cid)
    assert (row["status"], row["rejection"]) == ("rejected", "spam")


async def test_only_the_decider_or_an_admin_may_undo_and_never_automation(client, make_token, db):
    alice = await make_token("moderator", "alice")
    bob = await make_token("moderator", "bob")
    admin = await make_token("admin", "root")
    cid = await insert_comment(db)
    first = await decide(client, alice, cid, "reject")
    assert (await undo(client, bob, cid, first["decision_id"])).status == 403
    assert (await undo(client, admin, cid, first["decision_id"])).status == 200
    # The arrival row is automation's: nothing to undo there.
    arrival = await db.fetchval(
        "INSERT INTO comment_history (comment_id, actor, to_status) VALUES ($1, 'auto', "
        "'pending') RETURNING id",
        await insert_comment(db),
    )
    other = await db.fetchval("SELECT comment_id FROM comment_history WHERE id = $1", arrival)
    assert (await undo(client, admin, other, arrival)).status == 409
    assert (await undo(client, admin, cid, 999_999)).status == 404
    assert (await undo(client, admin, 999_999, first["decision_id"])).status == 404
    resp = await client.post(f"/v1/comments/{cid}/undo", json={}, headers=admin)
    assert resp.status == 422
    assert (await resp.json())["errors"][0]["field"] == "decision_id"


async def test_undo_reopens_the_audit_the_decision_resolved(client, make_token, db):
    mod = await make_token("moderator", "alice")
    cid = await insert_comment(db, status="approved", spam_score=0.05)
    await db.execute(
        "INSERT INTO audits (comment_id, auto_status, outcome) VALUES ($1, 'approved', 'x')", cid
    )
    resp = await client.post(
        f"/v1/comments/{cid}/decision",
        json={"action": "reject", "expected_status": "approved"},
        headers=mod,
    )
    decided = await resp.json()
    assert await db.fetchval("SELECT verdict FROM audits WHERE comment_id = $1", cid)
    assert (await undo(client, mod, cid, decided["decision_id"])).status == 200
    assert await db.fetchval("SELECT verdict FROM audits WHERE comment_id = $1", cid) is None


async def test_without_javascript_the_flash_offers_undo_and_the_desk_undoes_it(
    client, make_token, db
):
    cid = await insert_comment(db)
    csrf = await desk(client, make_token, name="alice")
    resp = await desk_decide(
        client, csrf, [cid], "approve", expected_status="pending", back="/desk"
    )
    assert resp.status == 303
    page = await (await client.get("/desk")).text()
    undo_value = re.search(r'name="undo" value="([^"]+)"', page)
    assert undo_value is not None and undo_value.group(1).startswith(f"{cid}:")
    resp = await client.post(
        "/desk/undo",
        data={"csrf": csrf, "undo": undo_value.group(1), "back": "/desk"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "pending"
    assert f"comment {cid} is pending again" in await (await client.get("/desk")).text()
    # A second undo of the same decision is stale: the undo was the last change.
    resp = await client.post(
        "/desk/undo",
        data={"csrf": csrf, "undo": undo_value.group(1)},
        headers={"Accept": "application/json"},
    )
    item = (await resp.json())["items"][0]
    assert not item["ok"] and "sent back to the queue by alice since" in item["message"]
    bad = await client.post("/desk/undo", data={"csrf": csrf, "undo": "1:x"})
    assert bad.status == 400
