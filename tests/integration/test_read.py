"""GET /v1/articles/{article}/comments: approved only, threaded, paginated, private data kept out."""

from __future__ import annotations

from typing import Any


async def add(
    db: Any, article: str, body: str, status: str = "approved", parent: int | None = None
) -> int:
    rejection = "spam" if status == "rejected" else None
    return int(
        await db.fetchval(
            """
            INSERT INTO comments (article, parent_id, author_name, author_email, body,
                                  client_ip, status, rejection)
            VALUES ($1, $2, 'Reader', 'reader@example.com', $3, '192.0.2.1', $4, $5)
            RETURNING id
            """,
            article,
            parent,
            body,
            status,
            rejection,
        )
    )


async def test_only_approved_comments_are_listed_oldest_first(client, db):
    a = await add(db, "story", "first")
    await add(db, "story", "held", status="pending")
    await add(db, "story", "junk", status="rejected")
    b = await add(db, "story", "second")
    await add(db, "elsewhere", "other article")
    resp = await client.get("/v1/articles/story/comments")
    assert resp.status == 200
    page = await resp.json()
    assert [c["id"] for c in page["items"]] == [a, b]
    assert page["total"] == 2
    assert page["next_cursor"] is None


async def test_emails_and_ips_are_never_in_the_public_answer(client, db, payload):
    await add(db, "story", "visible")
    text = await (await client.get("/v1/articles/story/comments")).text()
    assert "reader@example.com" not in text
    assert "192.0.2.1" not in text
    assert "email" not in text and "ip" not in text.replace("replies", "")


async def test_replies_are_nested_under_their_parent(client, db):
    root = await add(db, "story", "root")
    child = await add(db, "story", "child", parent=root)
    grandchild = await add(db, "story", "grandchild", parent=child)
    await add(db, "story", "unpublished reply", status="pending", parent=root)
    page = await (await client.get("/v1/articles/story/comments")).json()
    assert len(page["items"]) == 1
    top = page["items"][0]
    assert top["id"] == root
    assert [r["id"] for r in top["replies"]] == [child]
    assert [r["id"] for r in top["replies"][0]["replies"]] == [grandchild]


async def test_reply_to_an_unpublished_comment_shows_at_top_level(client, db):
    held = await add(db, "story", "held", status="pending")
    reply = await add(db, "story", "reply", parent=held)
    page = await (await client.get("/v1/articles/story/comments")).json()
    assert [c["id"] for c in page["items"]] == [reply]


async def test_pages_follow_the_cursor_without_gaps_or_repeats(client, db):
    ids = [await add(db, "long-story", f"comment {i}") for i in range(7)]
    seen: list[int] = []
    url = "/v1/articles/long-story/comments?limit=3"
    while url:
        page = await (await client.get(url)).json()
        assert page["total"] == 7
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        url = f"/v1/articles/long-story/comments?limit=3&cursor={cursor}" if cursor else ""
    assert seen == ids


async def test_an_unknown_article_has_an_empty_page(client, db):
    page = await (await client.get("/v1/articles/no-such-story/comments")).json()
    assert page == {"items": [], "next_cursor": None, "total": 0}


async def test_a_forged_cursor_is_400(client, db):
    resp = await client.get("/v1/articles/story/comments?cursor=%%%not-base64")
    assert resp.status == 400
    assert resp.content_type == "application/problem+json"


async def test_a_limit_out_of_range_is_422(client, db):
    for bad in ("0", "100000", "ten"):
        resp = await client.get(f"/v1/articles/story/comments?limit={bad}")
        assert resp.status == 422
        assert (await resp.json())["errors"][0]["field"] == "limit"
