"""The review queue through the API: tokens, queue, claims, decisions, history, stats."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.clock import one_period
from tests.conftest import insert_comment

PROBLEM = "application/problem+json"


# --- who may do what ---------------------------------------------------------------


async def test_a_request_without_a_token_is_401(client):
    resp = await client.get("/v1/queue")
    assert resp.status == 401
    assert resp.content_type == PROBLEM
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_an_unknown_token_is_401(client):
    resp = await client.get("/v1/queue", headers={"Authorization": "Bearer mod_not-a-real-token"})
    assert resp.status == 401


async def test_a_revoked_token_is_401(client, make_token):
    admin = await make_token("admin")
    mod = await make_token("moderator", "carol")
    assert (await client.get("/v1/queue", headers=mod)).status == 200
    listed = await (await client.get("/v1/admin/tokens", headers=admin)).json()
    carol = next(t for t in listed["items"] if t["name"] == "carol")
    assert (await client.delete(f"/v1/admin/tokens/{carol['id']}", headers=admin)).status == 204
    assert (await client.get("/v1/queue", headers=mod)).status == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/stats"), ("GET", "/v1/admin/tokens"), ("POST", "/v1/admin/tokens")],
)
async def test_a_moderator_on_an_admin_route_is_403(client, make_token, method, path):
    mod = await make_token("moderator")
    resp = await client.request(method, path, headers=mod, json={"name": "x", "role": "admin"})
    assert resp.status == 403
    assert resp.content_type == PROBLEM


async def test_an_admin_creates_a_token_that_works_and_is_shown_once(client, make_token, db):
    admin = await make_token("admin")
    resp = await client.post(
        "/v1/admin/tokens", headers=admin, json={"name": "dave", "role": "moderator"}
    )
    assert resp.status == 201
    created = await resp.json()
    secret = created["token"]
    assert secret.startswith("mod_")
    stored = await db.fetchval("SELECT hash FROM tokens WHERE name = 'dave'")
    assert secret not in stored and len(stored) == 64
    listed = await (await client.get("/v1/admin/tokens", headers=admin)).text()
    assert secret not in listed
    assert (
        await client.get("/v1/queue", headers={"Authorization": f"Bearer {secret}"})
    ).status == 200


async def test_a_second_active_token_with_the_same_name_is_409(client, make_token):
    admin = await make_token("admin", "root")
    resp = await client.post(
        "/v1/admin/tokens", headers=admin, json={"name": "root", "role": "admin"}
    )
    assert resp.status == 409


# --- the queue ---------------------------------------------------------------------


async def test_the_queue_lists_pending_comments_with_private_details(client, make_token, db):
    mod = await make_token()
    pending = await insert_comment(db, body="held one", author_email="held@example.com")
    await insert_comment(db, status="approved", body="published")
    page = await (await client.get("/v1/queue", headers=mod)).json()
    assert [c["id"] for c in page["items"]] == [pending]
    assert page["total"] == 1
    item = page["items"][0]
    assert item["email"] == "held@example.com"
    assert item["client_ip"] == "192.0.2.1"
    assert isinstance(item["age_seconds"], int)
    for key in ("article", "name", "url", "body", "spam_score", "reasons", "rules"):
        assert key in item


async def test_the_queue_filters_by_article_and_score_band(client, make_token, db):
    mod = await make_token()
    a = await insert_comment(db, article="a", spam_score=0.2)
    await insert_comment(db, article="a", spam_score=0.9)
    await insert_comment(db, article="b", spam_score=0.2)
    page = await (
        await client.get("/v1/queue?article=a&min_score=0.1&max_score=0.5", headers=mod)
    ).json()
    assert [c["id"] for c in page["items"]] == [a]
    assert page["total"] == 1


async def test_the_queue_orders_the_most_uncertain_first(client, make_token, db):
    mod = await make_token()
    far = await insert_comment(db, spam_score=0.05)
    near = await insert_comment(db, spam_score=0.52)
    mid = await insert_comment(db, spam_score=0.7)
    page = await (await client.get("/v1/queue?order=uncertain", headers=mod)).json()
    assert [c["id"] for c in page["items"]] == [near, mid, far]


@pytest.mark.parametrize("order", ["oldest", "uncertain"])
async def test_queue_pages_follow_the_cursor_without_gaps(client, make_token, db, order):
    mod = await make_token()
    ids = {await insert_comment(db, spam_score=0.1 + i / 20) for i in range(11)}
    seen: list[int] = []
    url = f"/v1/queue?order={order}&limit=4"
    while url:
        page = await (await client.get(url, headers=mod)).json()
        assert page["total"] == 11
        seen += [c["id"] for c in page["items"]]
        url = (
            f"/v1/queue?order={order}&limit=4&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else ""
        )
    assert sorted(seen) == sorted(ids) and len(seen) == 11


@pytest.mark.parametrize(
    "query", ["order=newest", "min_score=2", "max_score=abc", "older_than=-5", "limit=0"]
)
async def test_a_bad_queue_filter_is_422(client, make_token, query):
    mod = await make_token()
    resp = await client.get(f"/v1/queue?{query}", headers=mod)
    assert resp.status == 422


async def test_a_cursor_for_another_order_is_400(client, make_token, db):
    mod = await make_token()
    for _ in range(3):
        await insert_comment(db)
    page = await (await client.get("/v1/queue?limit=1", headers=mod)).json()
    resp = await client.get(f"/v1/queue?order=uncertain&cursor={page['next_cursor']}", headers=mod)
    assert resp.status == 400


# --- claims ------------------------------------------------------------------------


async def test_two_moderators_never_get_the_same_comment(client, make_token, db):
    alice, bob = await make_token(name="alice"), await make_token(name="bob")
    for _ in range(6):
        await insert_comment(db)
    a = await (await client.post("/v1/queue/claim", headers=alice, json={"limit": 4})).json()
    b = await (await client.post("/v1/queue/claim", headers=bob, json={"limit": 4})).json()
    a_ids = {c["id"] for c in a["items"]}
    b_ids = {c["id"] for c in b["items"]}
    assert len(a_ids) == 4 and len(b_ids) == 2
    assert not a_ids & b_ids
    assert {c["claimed_by"] for c in a["items"]} == {"alice"}


async def test_claiming_again_returns_your_own_claims_first(client, make_token, db):
    alice = await make_token(name="alice")
    for _ in range(3):
        await insert_comment(db)
    first = await (await client.post("/v1/queue/claim", headers=alice, json={"limit": 2})).json()
    again = await (await client.post("/v1/queue/claim", headers=alice, json={"limit": 2})).json()
    assert [c["id"] for c in again["items"]] == [c["id"] for c in first["items"]]


async def test_an_expired_claim_returns_the_comment_to_the_queue(client, make_token, db):
    alice, bob = await make_token(name="alice"), await make_token(name="bob")
    cid = await insert_comment(db)
    await client.post("/v1/queue/claim", headers=alice, json={"limit": 1})
    nothing = await (await client.post("/v1/queue/claim", headers=bob, json={"limit": 1})).json()
    assert nothing["items"] == []
    await db.execute("UPDATE comments SET claim_expires_at = now() - interval '1 second'")
    got = await (await client.post("/v1/queue/claim", headers=bob, json={"limit": 1})).json()
    assert [c["id"] for c in got["items"]] == [cid]


async def test_a_moderator_can_release_a_claim(client, make_token, db):
    alice, bob = await make_token(name="alice"), await make_token(name="bob")
    cid = await insert_comment(db)
    await client.post("/v1/queue/claim", headers=alice, json={"limit": 1})
    resp = await client.post("/v1/queue/release", headers=alice, json={"ids": [cid]})
    assert (await resp.json()) == {"released": 1}
    got = await (await client.post("/v1/queue/claim", headers=bob, json={"limit": 1})).json()
    assert [c["id"] for c in got["items"]] == [cid]


async def test_a_claim_with_a_bad_limit_is_422(client, make_token):
    mod = await make_token()
    assert (await client.post("/v1/queue/claim", headers=mod, json={"limit": 0})).status == 422
    assert (await client.post("/v1/queue/claim", headers=mod, json={"limit": "x"})).status == 422


# --- decisions ---------------------------------------------------------------------


async def decide(client: Any, headers: dict[str, str], cid: int, **body: Any) -> Any:
    return await client.post(f"/v1/comments/{cid}/decision", headers=headers, json=body)


@pytest.mark.parametrize(
    ("action", "status", "rejection", "label"),
    [
        ("approve", "approved", None, "ham"),
        ("spam", "rejected", "spam", "spam"),
        ("reject", "rejected", "removed", None),
    ],
)
async def test_a_decision_changes_status_records_history_and_label(
    client, make_token, db, action, status, rejection, label
):
    mod = await make_token(name="erin")
    cid = await insert_comment(db)
    resp = await decide(client, mod, cid, action=action, note="checked the link")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["status"], body["rejection"], body["decided_by"]) == (status, rejection, "erin")
    hist = await (await client.get(f"/v1/comments/{cid}/history", headers=mod)).json()
    last = hist["items"][-1]
    assert (last["by"], last["from"], last["to"], last["note"]) == (
        "erin",
        "pending",
        status,
        "checked the link",
    )
    stored = await db.fetchrow("SELECT label, given_by FROM labels WHERE comment_id = $1", cid)
    assert (stored["label"] if stored else None) == label
    if stored:
        assert stored["given_by"] == "erin"


async def test_a_later_decision_replaces_the_label(client, make_token, db):
    mod = await make_token()
    cid = await insert_comment(db)
    await decide(client, mod, cid, action="spam")
    await decide(client, mod, cid, action="approve")
    assert await db.fetchval("SELECT label FROM labels WHERE comment_id = $1", cid) == "ham"
    await decide(client, mod, cid, action="reject")
    assert await db.fetchval("SELECT count(*) FROM labels WHERE comment_id = $1", cid) == 0


async def test_an_automatic_decision_can_be_overturned(client, make_token, db):
    mod = await make_token()
    cid = await insert_comment(db, status="rejected", rejection="spam", decided_by="auto")
    resp = await decide(client, mod, cid, action="approve", expected_status="rejected")
    assert resp.status == 200
    assert (await resp.json())["status"] == "approved"


async def test_a_stale_decision_is_409_with_the_current_state(client, make_token, db):
    alice, bob = await make_token(name="alice"), await make_token(name="bob")
    cid = await insert_comment(db)
    assert (
        await decide(client, alice, cid, action="approve", expected_status="pending")
    ).status == 200
    resp = await decide(client, bob, cid, action="spam", expected_status="pending")
    assert resp.status == 409
    problem = await resp.json()
    assert problem["current"]["status"] == "approved"
    assert problem["current"]["decided_by"] == "alice"
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "approved"


async def test_deciding_a_comment_claimed_by_another_is_409_but_admins_may(client, make_token, db):
    alice, bob = await make_token(name="alice"), await make_token(name="bob")
    admin = await make_token("admin", name="boss")
    cid = await insert_comment(db)
    await client.post("/v1/queue/claim", headers=alice, json={"limit": 1})
    resp = await decide(client, bob, cid, action="approve")
    assert resp.status == 409
    assert (await resp.json())["claimed_by"] == "alice"
    assert (await decide(client, admin, cid, action="approve")).status == 200


async def test_deciding_clears_the_claim(client, make_token, db):
    alice = await make_token(name="alice")
    cid = await insert_comment(db)
    await client.post("/v1/queue/claim", headers=alice, json={"limit": 1})
    await decide(client, alice, cid, action="approve")
    assert await db.fetchval("SELECT claimed_by FROM comments WHERE id = $1", cid) is None


async def test_an_unknown_comment_is_404(client, make_token):
    mod = await make_token()
    assert (await decide(client, mod, 987654, action="approve")).status == 404
    assert (await client.get("/v1/comments/987654/history", headers=mod)).status == 404
    assert (await client.get("/v1/comments/not-a-number", headers=mod)).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"action": "delete"},
        {},
        {"action": "approve", "expected_status": "gone"},
        {"action": "approve", "extra": 1},
    ],
)
async def test_a_bad_decision_body_is_422(client, make_token, db, body):
    mod = await make_token()
    cid = await insert_comment(db)
    resp = await decide(client, mod, cid, **body)
    assert resp.status == 422
    assert resp.content_type == PROBLEM


async def test_bulk_decisions_answer_per_comment(client, make_token, db):
    mod = await make_token()
    a = await insert_comment(db)
    b = await insert_comment(db, status="approved")
    resp = await client.post(
        "/v1/decisions",
        headers=mod,
        json={
            "items": [
                {"id": a, "action": "spam", "expected_status": "pending"},
                {"id": b, "action": "spam", "expected_status": "pending"},
                {"id": 999999, "action": "approve"},
            ]
        },
    )
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [i["ok"] for i in items] == [True, False, False]
    assert items[0]["status"] == "rejected"
    assert items[1]["error"]["status"] == 409
    assert items[2]["error"]["status"] == 404


async def test_the_comment_view_shows_details_and_label(client, make_token, db):
    mod = await make_token(name="fay")
    cid = await insert_comment(db)
    await decide(client, mod, cid, action="spam")
    view = await (await client.get(f"/v1/comments/{cid}", headers=mod)).json()
    assert view["email"] == "reader@example.com"
    assert view["label"]["label"] == "spam" and view["label"]["given_by"] == "fay"


async def test_a_submitted_comment_has_its_automatic_decision_in_history(
    client, make_token, payload
):
    mod = await make_token()
    resp = await client.post("/v1/comments", json=payload())
    cid = (await resp.json())["id"]
    hist = await (await client.get(f"/v1/comments/{cid}/history", headers=mod)).json()
    assert len(hist["items"]) == 1
    assert hist["items"][0]["by"] == "auto" and hist["items"][0]["from"] is None
    assert hist["items"][0]["model_version"]


# --- stats -------------------------------------------------------------------------


async def test_stats_count_pending_and_todays_decisions_by_who(client, make_token, db, payload):
    admin = await make_token("admin")
    mod = await make_token()
    with one_period("%Y-%m-%d"):
        for _ in range(3):
            await insert_comment(db)
        cid = await insert_comment(db)
        await decide(client, mod, cid, action="spam")
        await client.post("/v1/comments", json=payload(website_confirm="bot"))  # auto: spam
        stats = await (await client.get("/v1/stats", headers=admin)).json()
        assert stats["pending"] == 3
        assert stats["human"]["spam"] == 1
        assert stats["automatic"]["spam"] == 1
        assert stats["decided_today"]["spam"] == 2


# --- several moderators at once ----------------------------------------------------


async def test_four_moderators_clear_a_thousand_comments_each_decided_exactly_once(
    client, make_token, db
):
    await db.execute(
        """
        INSERT INTO comments (article, author_name, author_email, body, status, spam_score)
        SELECT 'busy-story', 'Reader ' || i, 'r' || i || '@example.com', 'comment ' || i,
               'pending', (i % 100) / 100.0
        FROM generate_series(1, 1000) AS i
        """
    )
    names = ["m1", "m2", "m3", "m4"]
    headers = {n: await make_token(name=n) for n in names}
    decided: dict[str, list[int]] = {n: [] for n in names}
    conflicts: list[int] = []

    async def moderator(name: str) -> None:
        h = headers[name]
        while True:
            batch = await (
                await client.post("/v1/queue/claim", headers=h, json={"limit": 20})
            ).json()
            if not batch["items"]:
                return
            for c in batch["items"]:
                action = "spam" if c["spam_score"] > 0.5 else "approve"
                resp = await client.post(
                    f"/v1/comments/{c['id']}/decision",
                    headers=h,
                    json={"action": action, "expected_status": "pending"},
                )
                if resp.status == 200:
                    decided[name].append(c["id"])
                else:
                    conflicts.append(resp.status)

    await asyncio.gather(*(moderator(n) for n in names))
    all_ids = [i for ids in decided.values() for i in ids]
    assert conflicts == []
    assert len(all_ids) == 1000 and len(set(all_ids)) == 1000
    assert all(len(ids) > 0 for ids in decided.values())  # the work was shared
    assert await db.fetchval("SELECT count(*) FROM comments WHERE status = 'pending'") == 0
    per_comment = await db.fetch(
        "SELECT comment_id, count(*) AS n, min(actor) AS actor FROM comment_history GROUP BY comment_id"
    )
    assert len(per_comment) == 1000 and all(r["n"] == 1 for r in per_comment)
    owner = {i: n for n, ids in decided.items() for i in ids}
    assert all(owner[r["comment_id"]] == r["actor"] for r in per_comment)
    assert await db.fetchval("SELECT count(*) FROM labels") == 1000
