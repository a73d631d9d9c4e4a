"""The desk's context, search, notes and blocking as server HTML (escaping included)."""

from __future__ import annotations

from tests.conftest import insert_comment
from tests.integration.test_pages import HOSTILE_BODY, HOSTILE_NAME, desk


async def test_a_submission_names_its_article_and_the_card_links_it(
    client, make_token, db, payload
):
    resp = await client.post(
        "/v1/comments",
        json=payload(
            body="Is the kettle on? " * 3,
            article_title="Ransomware <b>hits</b> hospital",
            article_url="https://news.example/2026/ransomware",
        ),
    )
    assert resp.status in (201, 202)
    row = await db.fetchrow(
        "SELECT title, url FROM articles WHERE article = $1", payload()["article"]
    )
    assert (row["title"], row["url"]) == (
        "Ransomware <b>hits</b> hospital",
        "https://news.example/2026/ransomware",
    )
    bad = await client.post("/v1/comments", json=payload(article_url="javascript:alert(1)"))
    assert bad.status == 422


async def test_a_reply_card_shows_its_parent_the_commenter_and_the_article_title(
    client, make_token, db
):
    await db.execute(
        "INSERT INTO articles (article, title, url) VALUES ('story', $1, 'https://news.example/s')",
        HOSTILE_NAME,
    )
    parent = await insert_comment(
        db, body=HOSTILE_BODY, status="approved", author_name=HOSTILE_NAME
    )
    for _ in range(3):
        await insert_comment(db, author_email="dana@example.org", status="approved")
    await insert_comment(db, parent_id=parent, author_email="dana@example.org", body="I agree.")
    await desk(client, make_token)
    page = await (await client.get("/desk")).text()
    assert f'In reply to <a href="/desk/comments/{parent}">#{parent}</a>' in page
    assert "3 approved, 0 rejected · since" in page
    assert 'class="badge trusted"' in page
    assert 'href="https://news.example/s"' in page
    assert "<script>window.pwned" not in page and "<b onmouseover" not in page
    assert "&lt;b onmouseover=" in page


async def test_search_page_finds_a_published_comment_and_offers_to_unpublish_it(
    client, make_token, db
):
    cid = await insert_comment(db, body="Buy cheap watches here", status="approved")
    await desk(client, make_token)
    page = await (await client.get("/desk/search", params={"q": "watches"})).text()
    assert f'id="c{cid}"' in page
    assert 'value="reject"' in page and 'value="spam"' in page
    bad = await client.get("/desk/search", params={"ip": "not-an-ip"})
    assert bad.status == 422
    assert "text/html" in bad.headers["Content-Type"]


async def test_a_note_from_the_desk_shows_on_the_card_and_in_the_history(client, make_token, db):
    cid = await insert_comment(db)
    csrf = await desk(client, make_token, name="alice")
    resp = await client.post(
        "/desk/notes",
        data={"csrf": csrf, "id": str(cid), "note": HOSTILE_NAME, "back": f"/desk/comments/{cid}"},
        allow_redirects=False,
    )
    assert resp.status == 303
    page = await (await client.get(f"/desk/comments/{cid}")).text()
    assert "noted:" in page and "&lt;b onmouseover=" in page
    queue = await (await client.get("/desk")).text()
    assert "<strong>alice</strong>: &lt;b onmouseover=" in queue


async def test_block_sender_blocks_on_every_instance_and_rejects_their_pending(
    client, make_token, db
):
    a = await insert_comment(db, author_email="spam@example.net")
    b = await insert_comment(db, author_email="spam@example.net")
    csrf = await desk(client, make_token, name="alice")
    resp = await client.post(
        "/desk/block",
        data={
            "csrf": csrf,
            "kind": "email",
            "value_email": "spam@example.net",
            "reject_pending": "on",
            "back": "/desk",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    rules = await db.fetchrow("SELECT rules, changed_by FROM site_rules")
    assert rules["rules"]["blocked_emails"] == ["spam@example.net"]
    assert rules["changed_by"] == "alice"
    rows = await db.fetch("SELECT status FROM comments WHERE id = ANY($1::bigint[])", [a, b])
    assert {r["status"] for r in rows} == {"rejected"}
    page = await (await client.get("/desk")).text()
    assert (
        "Blocked spam@example.net (blocked emails) on every instance; 2 pending comments rejected."
        in page
    )


async def test_a_canned_reason_is_stored_with_the_rejection(client, make_token, db):
    cid = await insert_comment(db)
    csrf = await desk(client, make_token)
    resp = await client.post(
        "/desk/decide",
        data={
            "csrf": csrf,
            "id": str(cid),
            "action": "reject",
            "note": "Off topic",
            "back": "/desk",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    note = await db.fetchval(
        "SELECT note FROM comment_history WHERE comment_id = $1 ORDER BY id DESC LIMIT 1", cid
    )
    assert note == "Off topic"


async def test_the_audits_page_lists_open_audits(client, make_token, db):
    await desk(client, make_token)
    page = await (await client.get("/desk/audits")).text()
    assert "No open audits." in page


async def test_the_embed_form_sends_the_host_pages_title_and_address_and_stays_cached(client, db):
    facts = "title=Ransomware+hits+%3Cb%3Ehospital%3C%2Fb%3E&url=https%3A%2F%2Fnews.example%2Fr"
    first = await client.get(f"/embed/facts-story?{facts}")
    again = await client.get(f"/embed/facts-story?{facts}")
    assert first.status == again.status == 200
    assert again.headers["ETag"] == first.headers["ETag"]  # one cached page for every host
    resp = await client.post(
        f"/embed/facts-story?{facts}",
        data={"name": "Dana", "email": "dana@example.org", "body": "Good reporting, thanks."},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert "url=https%3A%2F%2Fnews.example%2Fr" in resp.headers["Location"]  # kept for the next
    row = await db.fetchrow("SELECT title, url FROM articles WHERE article = 'facts-story'")
    assert (row["title"], row["url"]) == (
        "Ransomware hits <b>hospital</b>",
        "https://news.example/r",
    )
    # A bad address from the host page is left out; the reader's comment still goes in.
    resp = await client.post(
        "/embed/other-story?url=javascript:alert(1)&title=x",
        data={"name": "Dana", "email": "dana@example.org", "body": "Another good one, thanks."},
        allow_redirects=False,
    )
    assert resp.status == 303
    row = await db.fetchrow("SELECT title, url FROM articles WHERE article = 'other-story'")
    assert (row["title"], row["url"]) == ("x", None)
