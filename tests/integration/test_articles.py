"""Per-article settings (issue 16): admins set them; submissions and the embed obey."""

from __future__ import annotations

from typing import Any

import asyncpg

ARTICLE = "ransomware-hits-hospital"


async def _put(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return await client.put(f"/v1/admin/articles/{ARTICLE}", json=body, headers=headers)


async def test_admin_sets_and_reads_an_articles_settings(client: Any, make_token: Any) -> None:
    admin = await make_token("admin")
    resp = await client.get(f"/v1/admin/articles/{ARTICLE}", headers=admin)
    assert resp.status == 404
    resp = await _put(
        client, admin, title="Hospital hit", url="https://news.example/h", state="premoderated"
    )
    assert resp.status == 201
    resp = await _put(client, admin, title="Hospital hit", state="closed", close_after_days=30)
    assert resp.status == 200
    doc = await (await client.get(f"/v1/admin/articles/{ARTICLE}", headers=admin)).json()
    assert doc["state"] == "closed" and doc["effective_state"] == "closed"
    assert doc["url"] is None and doc["close_after_days"] == 30 and doc["closes_at"]


async def test_article_settings_need_an_admin_and_valid_fields(
    client: Any, make_token: Any
) -> None:
    assert (await _put(client, {}, state="closed")).status == 401
    assert (await _put(client, await make_token("moderator"), state="closed")).status == 403
    admin = await make_token("admin")
    resp = await _put(client, admin, state="shut", close_after_days=0, url="javascript:x")
    assert resp.status == 422
    fields = {e["field"] for e in (await resp.json())["errors"]}
    assert {"state", "close_after_days", "url"} <= fields
    assert (await _put(client, admin, colour="red")).status == 422


async def test_a_closed_article_refuses_comments_with_403(
    client: Any, make_token: Any, payload: Any, db: asyncpg.Connection
) -> None:
    await _put(client, await make_token("admin"), state="closed")
    resp = await client.post("/v1/comments", json=payload())
    assert resp.status == 403
    assert resp.content_type == "application/problem+json"
    assert "comments are closed" in (await resp.json())["detail"]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_an_article_closes_by_itself_after_close_after_days(
    client: Any, make_token: Any, payload: Any, db: asyncpg.Connection
) -> None:
    await _put(client, await make_token("admin"), close_after_days=3)
    assert (await client.post("/v1/comments", json=payload())).status == 201
    await db.execute("UPDATE articles SET published_at = now() - interval '4 days'")
    resp = await client.post("/v1/comments", json=payload(body="Another thought, days later."))
    assert resp.status == 403


async def test_a_premoderated_article_holds_even_a_clearly_good_comment(
    client: Any, make_token: Any, payload: Any, db: asyncpg.Connection
) -> None:
    await _put(client, await make_token("admin"), state="premoderated")
    resp = await client.post("/v1/comments", json=payload())
    assert resp.status == 202
    row = await db.fetchrow("SELECT status, reasons FROM comments")
    assert row["status"] == "pending"
    assert any("premoderated" in r for r in row["reasons"])
    # With an idempotency key it takes the other path, with the same outcome.
    resp = await client.post(
        "/v1/comments",
        json=payload(body="And a second, careful question about the backups."),
        headers={"Idempotency-Key": "k1"},
    )
    assert resp.status == 202


async def test_the_embed_page_says_comments_are_closed_instead_of_the_form(
    client: Any, make_token: Any, payload: Any
) -> None:
    page = await (await client.get(f"/embed/{ARTICLE}")).text()
    assert 'id="comment-form"' in page
    await _put(client, await make_token("admin"), state="closed")
    page = await (await client.get(f"/embed/{ARTICLE}")).text()
    assert "Comments are closed" in page and 'id="comment-form"' not in page
    form = {k: v for k, v in payload().items() if k != "article"}
    resp = await client.post(f"/embed/{ARTICLE}", data=form, allow_redirects=False)
    assert resp.status == 403
    assert "Comments are closed" in await resp.text()
