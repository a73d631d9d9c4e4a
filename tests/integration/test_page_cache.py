"""Article pages from the in-process cache: ETags, 304s, and changes seen on every instance.

Two apps on one database stand for two instances: a change made through one,
or straight in the database, reaches the other's cache through PostgreSQL's
NOTIFY. Waits are generous time-outs, never timing assertions.
"""

from __future__ import annotations

import asyncio
from typing import Any

from moderation.ops.pages import PAGES, Page, PageCache
from tests.integration.test_read import add
from tests.polling import eventually

WAIT = 30.0  # generous: the notification takes milliseconds


async def listening(client: Any) -> PageCache:
    cache: PageCache = client.server.app[PAGES]
    async with asyncio.timeout(WAIT):
        while not cache.listening:  # noqa: ASYNC110 - a flag set by the listener task
            await asyncio.sleep(0.01)
    return cache


async def ids_on(client: Any, article: str) -> list[int]:
    page = await (await client.get(f"/v1/articles/{article}/comments")).json()
    return [c["id"] for c in page["items"]]


async def test_a_second_view_comes_from_the_cache_with_an_etag_and_a_short_cache_control(
    client, db
):
    await add(db, "story", "first")
    cache = await listening(client)
    first = await client.get("/v1/articles/story/comments")
    hits = cache.hits
    second = await client.get("/v1/articles/story/comments")
    assert cache.hits == hits + 1
    assert await first.json() == await second.json()
    assert first.headers["ETag"] == second.headers["ETag"]
    control = second.headers["Cache-Control"]
    assert "max-age=1" in control and "stale-while-revalidate=" in control


async def test_if_none_match_with_the_current_etag_is_a_304_without_a_body(client, db):
    await add(db, "story", "first")
    await listening(client)
    etag = (await client.get("/v1/articles/story/comments")).headers["ETag"]
    resp = await client.get("/v1/articles/story/comments", headers={"If-None-Match": etag})
    assert resp.status == 304
    assert await resp.read() == b""
    assert resp.headers["ETag"] == etag
    other = await client.get(
        "/v1/articles/story/comments", headers={"If-None-Match": '"something-else"'}
    )
    assert other.status == 200


async def test_a_comment_published_on_one_instance_shows_on_another_within_moments(
    make_app_client, settings, db, payload
):
    one, two = await make_app_client(settings), await make_app_client(settings)
    await listening(one)
    await listening(two)
    assert await ids_on(two, "ransomware-hits-hospital") == []  # now cached on two
    resp = await one.post("/v1/comments", json=payload())
    assert resp.status == 201
    new_id = (await resp.json())["id"]
    # The instance that published it shows it at once; the other once notified.
    assert await ids_on(one, "ransomware-hits-hospital") == [new_id]
    assert await eventually(lambda: _shows(two, "ransomware-hits-hospital", new_id))


async def _shows(client: Any, article: str, comment_id: int) -> bool:
    return comment_id in await ids_on(client, article)


async def test_a_change_made_in_the_database_drops_the_cached_page(client, db):
    first = await add(db, "story", "first")
    await listening(client)
    assert await ids_on(client, "story") == [first]
    second = await add(db, "story", "second")
    assert await eventually(lambda: _shows(client, "story", second))
    await db.execute(
        "UPDATE comments SET status = 'rejected', rejection = 'removed' WHERE id = $1", first
    )
    assert await eventually(lambda: _gone(client, "story", first))


async def _gone(client: Any, article: str, comment_id: int) -> bool:
    return comment_id not in await ids_on(client, article)


async def test_a_moderators_removal_unpublishes_at_once_on_the_instance_that_decided(
    client, db, make_token
):
    shown = await add(db, "story", "to be removed")
    await listening(client)
    assert await ids_on(client, "story") == [shown]
    headers = await make_token("moderator")
    resp = await client.post(
        f"/v1/comments/{shown}/decision", json={"action": "reject"}, headers=headers
    )
    assert resp.status == 200
    assert await ids_on(client, "story") == []


async def test_the_total_is_kept_up_to_date_without_counting(client, db):
    ids = [await add(db, "story", f"c{i}") for i in range(3)]
    held = await add(db, "story", "held", status="pending")
    await add(db, "other", "elsewhere")
    assert await db.fetchval("SELECT approved FROM article_counts WHERE article = 'story'") == 3
    await db.execute("UPDATE comments SET status = 'approved' WHERE id = $1", held)
    await db.execute(
        "UPDATE comments SET status = 'rejected', rejection = 'spam' WHERE id = $1", ids[0]
    )
    await db.execute("DELETE FROM comments WHERE id = $1", ids[1])
    await db.execute("UPDATE comments SET claimed_by = 'x' WHERE id = $1", ids[2])
    counted = await db.fetchval(
        "SELECT count(*) FROM comments WHERE article = 'story' AND status = 'approved'"
    )
    assert (
        await db.fetchval("SELECT approved FROM article_counts WHERE article = 'story'")
        == counted
        == 2
    )
    await listening(client)
    page = await (await client.get("/v1/articles/story/comments")).json()
    assert page["total"] == 2


async def test_the_embed_page_is_cached_with_its_own_cache_control_but_a_post_is_not(client, db):
    await add(db, "story", "first")
    cache = await listening(client)
    first = await client.get("/embed/story")
    etag = first.headers["ETag"]
    assert "stale-while-revalidate" in first.headers["Cache-Control"]
    assert "frame-ancestors" in first.headers["Content-Security-Policy"]
    again = await client.get("/embed/story", headers={"If-None-Match": etag})
    assert again.status == 304
    posted = await client.get("/embed/story?posted=held")
    assert posted.status == 200 and "ETag" not in posted.headers
    assert "held for moderation" in await posted.text()
    assert len(cache) == 1  # made afresh, not kept


async def test_a_page_read_before_a_change_is_not_kept_after_it():
    cache = PageCache(max_entries=10, max_age=60)
    cache.listening = True

    async def fill(changed_at: float | None) -> Page:
        cache.changed("story")  # the article changes while its old page is being read
        return Page.of(b"old", "application/json", None)

    assert (await cache.get("story", "p", fill)).body == b"old"
    assert len(cache) == 0

    async def fresh(changed_at: float | None) -> Page:
        assert changed_at is not None  # a replica must hold that change to be read
        return Page.of(b"new", "application/json", None)

    assert (await cache.get("story", "p", fresh)).body == b"new"
    assert len(cache) == 1


async def test_readers_who_miss_together_wait_for_one_fill():
    cache = PageCache(max_entries=10, max_age=60)
    cache.listening = True
    release = asyncio.Event()
    calls = 0

    async def slow(changed_at: float | None) -> Page:
        nonlocal calls
        calls += 1
        await release.wait()
        return Page.of(b"page", "text/html", "utf-8")

    readers = [asyncio.create_task(cache.get("story", "p", slow)) for _ in range(5)]
    await asyncio.sleep(0.01)
    release.set()
    pages = await asyncio.gather(*readers)
    assert calls == 1 and {p.body for p in pages} == {b"page"}


async def test_the_least_recently_used_page_goes_first():
    cache = PageCache(max_entries=2, max_age=60)
    cache.listening = True

    async def fill(changed_at: float | None) -> Page:
        return Page.of(b"x", "text/html", None)

    for article in ("a", "b", "a", "c"):
        await cache.get(article, "p", fill)
    hits = cache.hits
    await cache.get("a", "p", fill)
    assert cache.hits == hits + 1
    await cache.get("b", "p", fill)
    assert cache.hits == hits + 1  # b was dropped for c
