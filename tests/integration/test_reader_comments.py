"""A reader's own comments by a mailed link (issue 16): list, delete, appeal; and the
smaller rules of readers: confirmed flags weigh more, flagged comments shown by setting,
re-scoring leaves premoderated articles to people."""

from __future__ import annotations

from typing import Any

import asyncpg

from moderation.classifier.thresholds import Thresholds
from moderation.keys import MODEL
from moderation.ops import reader_links
from moderation.registry.rescore import rescore_pending
from tests.conftest import insert_comment

DANA = "dana@example.org"


def page_token(client: Any, email: str = DANA, days: float | None = None) -> str:
    return reader_links.token(
        client.server.app, reader_links.PAGE, reader_links.identity("default", email), days
    )


async def test_an_appeal_sends_a_removed_comment_back_to_the_queue_and_its_answer_labels_it(
    client: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    cid = await insert_comment(
        db, author_email="Dana@example.org", status="rejected", rejection="removed"
    )
    token = page_token(client)
    listed = await (await client.get("/v1/readers/comments", params={"token": token})).json()
    assert [(i["id"], i["status"], i["can_appeal"]) for i in listed["items"]] == [
        (cid, "rejected", True)
    ]
    blank = await client.post(
        f"/v1/readers/comments/{cid}/appeal", json={"token": token, "note": "  "}
    )
    assert blank.status == 422
    resp = await client.post(
        f"/v1/readers/comments/{cid}/appeal", json={"token": token, "note": "It was on topic."}
    )
    assert resp.status == 202
    row = await db.fetchrow("SELECT status, decided_by, reasons FROM comments WHERE id = $1", cid)
    assert (row["status"], row["decided_by"]) == ("pending", "appeal")
    assert row["reasons"][-1] == "appealed by its author: It was on topic."
    history = await db.fetch(
        "SELECT actor, from_status, to_status FROM comment_history WHERE comment_id = $1", cid
    )
    assert [tuple(h) for h in history] == [("appeal", "rejected", "pending")]
    # The moderator's answer is a training label, as every decision.
    moderator = await make_token("moderator")
    decided = await client.post(
        f"/v1/comments/{cid}/decision", json={"action": "spam"}, headers=moderator
    )
    assert decided.status == 200
    assert await db.fetchval("SELECT label FROM labels WHERE comment_id = $1", cid) == "spam"
    # Once only.
    again = await client.post(
        f"/v1/readers/comments/{cid}/appeal", json={"token": token, "note": "Please."}
    )
    assert again.status == 409


async def test_a_spam_rejection_looks_held_to_its_author_and_cannot_be_appealed(
    client: Any, db: asyncpg.Connection
) -> None:
    cid = await insert_comment(db, author_email=DANA, status="rejected", rejection="spam")
    token = page_token(client)
    listed = await (await client.get("/v1/readers/comments", params={"token": token})).json()
    assert [(i["status"], i["can_appeal"]) for i in listed["items"]] == [("pending", False)]
    resp = await client.post(
        f"/v1/readers/comments/{cid}/appeal", json={"token": token, "note": "Not spam."}
    )
    assert resp.status == 409


async def test_a_reader_deletes_only_their_own_comment_with_a_good_link(
    client: Any, db: asyncpg.Connection
) -> None:
    own = await insert_comment(db, author_email=DANA, status="approved")
    other = await insert_comment(db, author_email="eve@example.org", status="approved")
    token = page_token(client)
    assert (
        await client.delete(f"/v1/readers/comments/{other}", params={"token": token})
    ).status == 404
    expired = page_token(client, days=-1)
    assert (
        await client.delete(f"/v1/readers/comments/{own}", params={"token": expired})
    ).status == 403
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (
        await client.delete(f"/v1/readers/comments/{own}", params={"token": forged})
    ).status == 403
    assert (await client.delete(f"/v1/readers/comments/{own}")).status == 422
    assert (
        await client.delete(f"/v1/readers/comments/{own}", params={"token": token})
    ).status == 204
    assert await db.fetchval("SELECT count(*) FROM comments WHERE id = $1", own) == 0
    assert await db.fetchval("SELECT count(*) FROM comments WHERE id = $1", other) == 1
    listed = await (await client.get("/v1/articles/story/comments")).json()
    assert [i["id"] for i in listed["items"]] == [other]


async def test_reader_changes_are_flood_limited_per_address(
    make_app_client: Any, make_settings: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(
        make_settings(trusted_proxies=["127.0.0.0/8"], flood_ip_interval_seconds=60, flood_ip_max=1)
    )
    first = await insert_comment(db, author_email=DANA)
    second = await insert_comment(db, author_email=DANA)
    token = page_token(client)
    ip = {"X-Forwarded-For": "198.51.100.9"}
    resp = await client.delete(f"/v1/readers/comments/{first}", params={"token": token}, headers=ip)
    assert resp.status == 204
    resp = await client.delete(
        f"/v1/readers/comments/{second}", params={"token": token}, headers=ip
    )
    assert resp.status == 429 and int(resp.headers["Retry-After"]) > 0


async def test_the_pages_work_without_javascript_and_refuse_forms_from_other_sites(
    client: Any, db: asyncpg.Connection
) -> None:
    cid = await insert_comment(
        db,
        author_email=DANA,
        status="rejected",
        rejection="removed",
        body="<script>alert(1)</script>",
    )
    token = page_token(client)
    page = await client.get("/readers/comments", params={"token": token})
    assert page.status == 200
    html = await page.text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "reader=" in page.headers["Set-Cookie"]
    form = {"token": token, "note": "Please look again."}
    forged = await client.post(
        f"/readers/comments/{cid}/appeal",
        data=form,
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert forged.status == 403
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "rejected"
    resp = await client.post(f"/readers/comments/{cid}/appeal", data=form, allow_redirects=False)
    assert resp.status == 303
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "pending"
    bad = await client.get("/readers/comments", params={"token": "nonsense"})
    assert bad.status == 403 and "text/html" in bad.headers["Content-Type"]


async def test_a_confirmed_readers_flag_weighs_more(
    make_app_client: Any, make_settings: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(make_settings(flag_threshold=2, flag_confirmed_weight=2))
    cid = await insert_comment(db, status="approved")
    app = client.server.app
    cookie = reader_links.token(
        app, reader_links.COOKIE, reader_links.identity("default", DANA), 30
    )
    # Unconfirmed, the cookie counts for nothing more.
    client.session.cookie_jar.update_cookies({reader_links.COOKIE: cookie})
    await db.execute("INSERT INTO reader_emails (email) VALUES ($1)", DANA)
    resp = await client.post(f"/v1/comments/{cid}/flags", json={"reason": "abuse"})
    assert resp.status == 201
    assert await db.fetchval("SELECT weight FROM comment_flags") == 1
    await db.execute("UPDATE reader_emails SET confirmed_at = now()")
    other = await insert_comment(db, status="approved")
    resp = await client.post(f"/v1/comments/{other}/flags", json={"reason": "abuse"})
    assert resp.status == 201
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", other) == "pending"


async def test_a_flagged_comment_stays_shown_when_the_setting_says_so(
    make_app_client: Any, make_settings: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(make_settings(flag_threshold=1, flagged_shown=True))
    cid = await insert_comment(db, status="approved")
    reply = await insert_comment(db, status="approved", parent_id=cid)
    assert (await client.post(f"/v1/comments/{cid}/flags", json={"reason": "spam"})).status == 201
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "pending"
    listed = await (await client.get("/v1/articles/story/comments")).json()
    assert [(i["id"], [r["id"] for r in i["replies"]]) for i in listed["items"]] == [(cid, [reply])]
    # In the queue all the same; a moderator's removal hides it.
    moderator = await make_token("moderator")
    queue = await (await client.get("/v1/queue?flagged=true", headers=moderator)).json()
    assert [i["id"] for i in queue["items"]] == [cid]
    await client.post(f"/v1/comments/{cid}/decision", json={"action": "reject"}, headers=moderator)
    listed = await (await client.get("/v1/articles/story/comments")).json()
    assert [i["id"] for i in listed["items"]] == [reply]


async def test_re_scoring_holds_premoderated_and_flagged_comments_for_people(
    client: Any, db: asyncpg.Connection
) -> None:
    live = client.server.app[MODEL]
    # Every score uncertain: the author's approved comment alone would approve.
    live.swap(live.model.with_thresholds(Thresholds(0.0, 1.0, 0.01, 0.005, 0.8)))
    await insert_comment(db, article="open", author_email=DANA, status="approved")
    await db.execute("INSERT INTO articles (article, state) VALUES ('held', 'premoderated')")
    held = await insert_comment(db, article="held", author_email=DANA)
    flagged = await insert_comment(db, article="open", author_email=DANA, decided_by="flags")
    free = await insert_comment(db, article="open", author_email=DANA)
    await rescore_pending(client.server.app, "default")
    status = dict(await db.fetch("SELECT id, status FROM comments"))
    assert (status[held], status[flagged], status[free]) == ("pending", "pending", "approved")


async def test_a_link_that_is_not_ascii_is_refused_not_a_crash(client: Any) -> None:
    resp = await client.get("/v1/readers/comments", params={"token": "é.é"})
    assert resp.status == 403
    page = await client.get("/embed/story", headers={"Cookie": "held=1.\u00e9"})
    assert page.status == 200
