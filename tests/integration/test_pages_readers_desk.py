"""The desk's part of readers and articles (issue 16): the queue's flagged filter and the
Articles page (admins)."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.conftest import insert_comment
from tests.integration.test_pages import HOSTILE_NAME, desk


async def test_the_queue_page_filters_comments_readers_flagged(
    client: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    flagged = await insert_comment(db, body="Flagged one.")
    plain = await insert_comment(db, body="Plain one.")
    await db.execute(
        "INSERT INTO comment_flags (comment_id, reader, reason) VALUES ($1, 'r', 'spam')", flagged
    )
    await desk(client, make_token)
    only = await (await client.get("/desk", params={"flagged": "yes"})).text()
    assert f'id="c{flagged}"' in only and f'id="c{plain}"' not in only
    others = await (await client.get("/desk", params={"flagged": "no"})).text()
    assert f'id="c{plain}"' in others and f'id="c{flagged}"' not in others
    assert (await client.get("/desk", params={"flagged": "maybe"})).status == 400


async def test_an_admin_sets_an_articles_state_from_the_desk(
    client: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    csrf = await desk(client, make_token, role="admin", name="root")
    page = await client.get("/desk/articles", params={"article": "story"})
    assert page.status == 200
    form = {
        "csrf": csrf,
        "article": "story",
        "title": HOSTILE_NAME,
        "url": "https://news.example/story",
        "state": "premoderated",
        "close_after_days": "30",
    }
    bad = await client.post("/desk/articles", data={**form, "url": "javascript:alert(1)"})
    assert bad.status == 422
    assert await db.fetchval("SELECT count(*) FROM articles") == 0
    forged = await client.post("/desk/articles", data={**form, "csrf": "nope"})
    assert forged.status == 403
    saved = await client.post("/desk/articles", data=form, allow_redirects=False)
    assert saved.status == 303
    row = await db.fetchrow("SELECT title, url, state, close_after_days FROM articles")
    assert tuple(row) == (HOSTILE_NAME, "https://news.example/story", "premoderated", 30)
    shown = await (await client.get(saved.headers["Location"])).text()
    assert 'id="effective-state">premoderated<' in shown
    assert HOSTILE_NAME not in shown  # escaped


async def test_the_articles_page_is_for_admins(client: Any, make_token: Any) -> None:
    await desk(client, make_token)
    assert (await client.get("/desk/articles")).status == 403
