"""The desk and the article page as server HTML: sessions, CSRF, headers, escaping, forms."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import aiohttp
import pytest
from yarl import URL

from moderation.review import text
from tests.conftest import insert_comment

HOSTILE_BODY = (
    '<script>window.pwned = 1</script><img src=x onerror="alert(2)"> '
    '<a href="javascript:alert(3)">click</a> javascript:alert(4) '
    'http://ok.example/x"onmouseover="alert(5)'
)
HOSTILE_NAME = '<b onmouseover="alert(6)">Eve</b>'
ARTICLE = "ransomware-hits-hospital"


def csrf_in(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def secret_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def sign_in(client: Any, secret: str, next_: str | None = None) -> Any:
    page = await (await client.get("/desk/login")).text()
    form = {"csrf": csrf_in(page), "token": secret}
    if next_ is not None:
        form["next"] = next_
    resp = await client.post("/desk/login", data=form, allow_redirects=False)
    await resp.read()
    return resp


async def desk(client: Any, make_token: Any, role: str = "moderator", name: str = "alice") -> str:
    """Signs in as a new token; returns the session's CSRF token."""
    resp = await sign_in(client, secret_of(await make_token(role, name)))
    assert resp.status == 303, await resp.text()
    page = await client.get("/desk")
    assert page.status == 200
    return csrf_in(await page.text())


def cookies(resp: Any) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in resp.headers.getall("Set-Cookie", [])}


async def decide(client: Any, csrf: str | None, ids: list[int], action: str, **more: Any) -> Any:
    form: list[tuple[str, str]] = [("action", action), *(("id", str(i)) for i in ids)]
    if csrf is not None:
        form.append(("csrf", csrf))
    form += [(k, str(v)) for k, v in more.items()]
    return await client.post("/desk/decide", data=form, allow_redirects=False)


# --- signing in and out ----------------------------------------------------------------


async def test_the_desk_sends_a_visitor_without_a_session_to_sign_in(client):
    resp = await client.get("/desk/decisions?outcome=spam", allow_redirects=False)
    assert resp.status == 303
    location = URL(resp.headers["Location"])
    assert location.path == "/desk/login"
    assert location.query["next"] == "/desk/decisions?outcome=spam"


async def test_signing_in_sets_a_strict_httponly_session_cookie_whose_value_is_stored_hashed(
    client, make_token, db
):
    resp = await sign_in(client, secret_of(await make_token("moderator", "alice")))
    assert resp.status == 303 and resp.headers["Location"] == "/desk"
    cookie = cookies(resp)["desk_session"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/desk" in cookie
    assert "Secure" not in cookie  # plain HTTP here: a Secure cookie would never come back
    value = cookie.split("=", 1)[1].split(";", 1)[0]
    stored = await db.fetchval("SELECT id_hash FROM sessions")
    assert stored == hashlib.sha256(value.encode()).hexdigest()


async def test_the_session_cookie_is_secure_behind_a_trusted_tls_proxy(
    make_app_client, make_settings, make_token
):
    secret = secret_of(await make_token("moderator"))
    trusting = await make_app_client(make_settings(trusted_proxies=["127.0.0.0/8"]))
    page = await (await trusting.get("/desk/login")).text()
    resp = await trusting.post(
        "/desk/login",
        data={"csrf": csrf_in(page), "token": secret},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert "Secure" in cookies(resp)["desk_session"]


async def test_an_untrusted_peer_cannot_claim_tls_with_a_header(client, make_token):
    page = await (await client.get("/desk/login")).text()
    resp = await client.post(
        "/desk/login",
        data={"csrf": csrf_in(page), "token": secret_of(await make_token())},
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
    )
    assert "Secure" not in cookies(resp)["desk_session"]


async def test_an_unknown_token_is_refused_and_never_shown_again(client, db):
    resp = await sign_in(client, "mod_not-a-real-token-12345")
    assert resp.status == 401
    page = await resp.text()
    assert "unknown or revoked" in page
    assert "mod_not-a-real-token-12345" not in page
    assert "desk_session" not in cookies(resp)
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0


async def test_a_revoked_token_cannot_sign_in(client, make_token, db):
    secret = secret_of(await make_token("moderator", "carol"))
    await db.execute("UPDATE tokens SET revoked_at = now() WHERE name = 'carol'")
    assert (await sign_in(client, secret)).status == 401


async def test_a_site_token_cannot_sign_in_to_the_desk(client, make_token):
    resp = await sign_in(client, secret_of(await make_token("site")))
    assert resp.status == 403
    assert "moderator or admin" in await resp.text()


async def test_an_admin_token_signs_in(client, make_token):
    await desk(client, make_token, "admin", "root")


async def test_signing_in_without_the_form_csrf_value_is_refused(client, make_token):
    await client.get("/desk/login")
    resp = await client.post(
        "/desk/login", data={"token": secret_of(await make_token())}, allow_redirects=False
    )
    assert resp.status == 403
    assert "desk_session" not in cookies(resp)


async def test_revoking_the_token_ends_its_desk_sessions(client, make_token, db):
    await desk(client, make_token, name="carol")
    await db.execute("UPDATE tokens SET revoked_at = now() WHERE name = 'carol'")
    assert (await client.get("/desk", allow_redirects=False)).status == 303


async def test_an_expired_session_is_sent_back_to_sign_in(client, make_token, db):
    await desk(client, make_token)
    await db.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
    resp = await client.get("/desk", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/desk/login")


async def test_sessions_last_the_configured_hours(make_app_client, make_settings, make_token, db):
    c = await make_app_client(make_settings(session_hours=2))
    resp = await sign_in(c, secret_of(await make_token()))
    assert "Max-Age=7200" in cookies(resp)["desk_session"]
    lifetime = await db.fetchval("SELECT expires_at - created_at FROM sessions")
    assert lifetime.total_seconds() == 7200


async def test_signing_out_ends_the_session_and_releases_its_claims(client, make_token, db):
    cid = await insert_comment(db)
    csrf = await desk(client, make_token)
    assert await db.fetchval("SELECT claimed_by FROM comments WHERE id = $1", cid) == "alice"
    resp = await client.post("/desk/logout", data={"csrf": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert "Max-Age=0" in cookies(resp)["desk_session"]
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0
    assert await db.fetchval("SELECT claimed_by FROM comments WHERE id = $1", cid) is None


async def test_signing_out_without_the_csrf_token_is_refused(client, make_token, db):
    await desk(client, make_token)
    assert (await client.post("/desk/logout", data={}, allow_redirects=False)).status == 403
    assert await db.fetchval("SELECT count(*) FROM sessions") == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/desk", "/deskevil", "/v1/queue"]
)
async def test_after_signing_in_only_a_desk_page_is_a_destination(client, make_token, target):
    resp = await sign_in(client, secret_of(await make_token()), next_=target)
    assert resp.headers["Location"] == "/desk"


# --- the queue ---------------------------------------------------------------------------


async def test_the_queue_shows_what_a_moderator_needs_and_the_pending_count(client, make_token, db):
    await insert_comment(
        db,
        article="patch-tuesday",
        author_name="Mallory",
        author_email="mallory@spam.example",
        author_url="http://spam.example/pills",
        body="Cheap casino bonus here",
        spam_score=0.62,
        reasons=["links: 3 links"],
        decision={
            "thresholds": {"low": 0.2, "high": 0.9},
            "rules": [{"rule": "links", "verdict": "review", "detail": "3 links"}],
            "top_features": [["words:casino", 1.2], ["words:here", -0.3], ["meta:links:3", 0.8]],
        },
    )
    await insert_comment(db, body="Another one.")
    await desk(client, make_token)
    page = await (await client.get("/desk")).text()
    for shown in ("patch-tuesday", "Mallory", "mallory@spam.example", "http://spam.example/pills"):
        assert shown in page
    assert 'id="pending-count" title="pending comments">2<' in page
    assert "<meter" in page and 'value="0.620"' in page
    assert "links: 3 links" in page
    assert "Cheap <mark>casino</mark> bonus here" in page  # only the words that pushed to spam


def shown_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-id="(\d+)"', page)]


async def test_two_moderators_see_different_comments(client, make_token, db):
    ids = [await insert_comment(db, body=f"Comment {i}") for i in range(30)]
    await desk(client, make_token, name="alice")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=client.make_url("/"), cookie_jar=jar) as other:
        await desk(other, make_token, name="bob")
        mine = shown_ids(await (await client.get("/desk")).text())
        page = await (await other.get("/desk")).text()
    theirs = shown_ids(page)
    assert mine == ids[:20] and theirs == ids[20:]
    assert "10 held for you for 5 minutes, 20 by other moderators" in page


async def test_the_queue_filters_and_orders_like_the_queue_api(client, make_token, db):
    low = await insert_comment(db, spam_score=0.1, body="low")
    coin = await insert_comment(db, spam_score=0.55, body="coin toss")
    high = await insert_comment(db, spam_score=0.8, body="high")
    await desk(client, make_token)
    page = await (await client.get("/desk?min_score=0.5&order=uncertain")).text()
    assert shown_ids(page) == [coin, high]
    assert low not in shown_ids(page)
    assert (await client.get("/desk?min_score=lots")).status == 400


async def test_approving_from_the_desk_decides_and_says_so(client, make_token, db):
    cid = await insert_comment(db)
    csrf = await desk(client, make_token)
    resp = await decide(client, csrf, [cid], "approve", expected_status="pending", back="/desk")
    assert resp.status == 303 and resp.headers["Location"] == "/desk"
    row = await db.fetchrow("SELECT status, decided_by FROM comments WHERE id = $1", cid)
    assert (row["status"], row["decided_by"]) == ("approved", "alice")
    assert await db.fetchval("SELECT label FROM labels WHERE comment_id = $1", cid) == "ham"
    page = await (await client.get("/desk")).text()
    assert f"Approved: comment {cid}." in page
    assert f"Approved: comment {cid}." not in await (await client.get("/desk")).text()


async def test_a_bulk_decision_decides_every_selected_comment(client, make_token, db):
    ids = [await insert_comment(db) for _ in range(3)]
    csrf = await desk(client, make_token)
    await decide(client, csrf, ids, "spam", expected_status="pending")
    rows = await db.fetch("SELECT status, rejection FROM comments")
    assert {(r["status"], r["rejection"]) for r in rows} == {("rejected", "spam")}
    assert "Marked as spam: 3 comments." in await (await client.get("/desk")).text()


async def test_a_stale_decision_gets_a_clear_message_not_a_500(client, make_token, db):
    cid = await insert_comment(db, status="approved", decided_by="bob")
    csrf = await desk(client, make_token)
    resp = await decide(client, csrf, [cid], "spam", expected_status="pending")
    assert resp.status == 303
    page = await (await client.get("/desk")).text()
    assert (
        f"Comment {cid}: The comment was approved by bob meanwhile; it is no longer pending."
        in page
    )
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "approved"


async def test_the_script_gets_json_from_a_decision(client, make_token, db):
    cid = await insert_comment(db)
    await insert_comment(db)
    csrf = await desk(client, make_token)
    resp = await client.post(
        "/desk/decide",
        data={"csrf": csrf, "id": str(cid), "action": "reject", "expected_status": "pending"},
        headers={"Accept": "application/json"},
    )
    assert resp.status == 200
    history_id = await db.fetchval("SELECT max(id) FROM comment_history WHERE comment_id = $1", cid)
    assert await resp.json() == {
        "items": [{"id": cid, "ok": True, "outcome": "removed", "decision_id": history_id}],
        "pending": 1,
    }


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
async def test_a_decision_without_the_sessions_csrf_token_is_refused(client, make_token, db, csrf):
    cid = await insert_comment(db)
    await desk(client, make_token)
    resp = await decide(client, csrf, [cid], "approve")
    assert resp.status == 403
    assert "CSRF" in await resp.text()
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "pending"


async def test_a_decision_without_a_session_is_refused(client, db):
    cid = await insert_comment(db)
    resp = await decide(client, "anything", [cid], "approve")
    assert resp.status == 401
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "pending"


# --- recent decisions and the comment page ----------------------------------------------------


async def test_recent_decisions_show_automatic_and_human_ones_and_filter_them(
    client, make_token, db
):
    auto = await insert_comment(db, status="rejected", rejection="spam", body="auto spam")
    await db.execute(
        "INSERT INTO comment_history (comment_id, actor, to_status, rejection) "
        "VALUES ($1, 'auto', 'rejected', 'spam')",
        auto,
    )
    human = await insert_comment(db, body="held then approved")
    csrf = await desk(client, make_token)
    await decide(client, csrf, [human], "approve", expected_status="pending")
    page = await (await client.get("/desk/decisions")).text()
    assert "auto spam" in page and "held then approved" in page
    page = await (await client.get("/desk/decisions?by=human")).text()
    assert "auto spam" not in page and "held then approved" in page
    page = await (await client.get("/desk/decisions?outcome=spam")).text()
    assert "auto spam" in page and "held then approved" not in page


async def test_a_false_positive_is_rescued_in_one_click(client, make_token, db):
    cid = await insert_comment(db, status="rejected", rejection="spam", body="not spam at all")
    await db.execute(
        "INSERT INTO comment_history (comment_id, actor, to_status, rejection) "
        "VALUES ($1, 'auto', 'rejected', 'spam')",
        cid,
    )
    await desk(client, make_token)
    page = await (await client.get("/desk/decisions")).text()
    form = re.search(r'<form class="decide".*?</form>', page, re.S).group()
    assert 'name="expected_status" value="rejected"' in form and 'value="approve"' in form
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    resp = await client.post(
        "/desk/decide", data={**fields, "action": "approve"}, allow_redirects=False
    )
    assert resp.headers["Location"] == "/desk/decisions"
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", cid) == "approved"
    assert await db.fetchval("SELECT label FROM labels WHERE comment_id = $1", cid) == "ham"


async def test_the_comment_page_shows_the_comment_its_history_and_reasons(client, make_token, db):
    cid = await insert_comment(
        db,
        body="Full text of the comment",
        reasons=["spam probability 0.550 is between 0.200 and 0.900"],
        decision={"top_features": [["words:bonus", 0.9], ["meta:url:none", -0.4]]},
    )
    await db.execute(
        "INSERT INTO comment_history (comment_id, actor, to_status) VALUES ($1, 'auto', 'pending')",
        cid,
    )
    await desk(client, make_token)
    page = await (await client.get(f"/desk/comments/{cid}")).text()
    assert "Full text of the comment" in page
    assert "spam probability 0.550 is between 0.200 and 0.900" in page
    # the terms named for a moderator, not as the scorer calls them
    assert "the word “bonus”" in page and "no website given" in page
    assert "meta:url:none" not in page
    assert "automatic" in page and "new → <strong" in page


async def test_an_unknown_comment_is_a_404_page(client, make_token):
    await desk(client, make_token)
    resp = await client.get("/desk/comments/999999")
    assert resp.status == 404
    assert resp.content_type == "text/html"


# --- headers and what pages may contain -------------------------------------------------------


def csp(resp: Any) -> dict[str, str]:
    parts = [p.strip().split(" ", 1) for p in resp.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


async def test_desk_pages_may_not_be_framed_and_run_no_inline_code(client, make_token):
    responses = [await client.get("/desk/login")]
    await desk(client, make_token)
    responses += [await client.get("/desk"), await client.get("/desk/decisions")]
    for resp in responses:
        policy = csp(resp)
        assert policy["frame-ancestors"] == "'none'"
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_embed_may_be_framed_by_itself_and_the_configured_origins_only(
    make_app_client, make_settings, client
):
    resp = await client.get(f"/embed/{ARTICLE}")
    assert csp(resp)["frame-ancestors"] == "'self'"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    configured = await make_app_client(
        make_settings(embed_origins=["https://news.example", "javascript:alert(1)", "*"])
    )
    resp = await configured.get(f"/embed/{ARTICLE}")
    assert csp(resp)["frame-ancestors"] == "'self' https://news.example"
    assert "X-Frame-Options" not in resp.headers
    assert "unsafe-inline" not in resp.headers["Content-Security-Policy"]


async def test_no_page_has_inline_scripts_styles_or_event_handlers(client, make_token, db):
    cid = await insert_comment(db, status="approved", article=ARTICLE)
    await desk(client, make_token)
    for path in ("/desk", "/desk/decisions", f"/desk/comments/{cid}", f"/embed/{ARTICLE}", "/demo"):
        page = await (await client.get(path)).text()
        assert re.search(r'<meta name="viewport" content="width=device-width', page), path
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page, re.I), path


async def test_hostile_comment_text_is_only_ever_text(client, make_token, db):
    cid = await insert_comment(
        db,
        article=ARTICLE,
        status="approved",
        author_name=HOSTILE_NAME,
        author_url="javascript:alert(1)",
        body=HOSTILE_BODY,
        decision={"top_features": [["words:script", 2.0], ["words:onerror", 1.0]]},
    )
    await db.execute(
        "INSERT INTO comment_history (comment_id, actor, to_status) VALUES ($1, 'auto', 'approved')",
        cid,
    )
    await desk(client, make_token)
    for path in (f"/embed/{ARTICLE}", f"/desk/comments/{cid}", "/desk/decisions"):
        page = await (await client.get(path)).text()
        assert "&lt;" in page and "<script>window" not in page, path
        assert "<img" not in page and "<b onmouseover" not in page, path
        assert 'href="javascript:' not in page.lower(), path
        assert not re.search(r'"\s*onmouseover=', page), path
    embed = await (await client.get(f"/embed/{ARTICLE}")).text()
    assert 'href="http://ok.example/x"' in embed  # linked up to the quote, escaped after it


async def test_links_in_comments_get_nofollow_ugc_noopener(client, db):
    await insert_comment(
        db,
        article=ARTICLE,
        status="approved",
        author_url="https://dana.example/blog",
        body="See https://example.org/report.",
    )
    page = await (await client.get(f"/embed/{ARTICLE}")).text()
    anchors = re.findall(r"<a [^>]*>", page)
    external = [a for a in anchors if "example" in a]
    assert len(external) == 2
    assert all('rel="nofollow ugc noopener"' in a for a in external)
    assert '<a href="https://example.org/report" rel=' in page  # the full stop stays text


# --- the embed and its form -------------------------------------------------------------------


async def test_the_embed_lists_approved_comments_threaded(client, db):
    parent = await insert_comment(db, article=ARTICLE, status="approved", body="Parent says")
    await insert_comment(
        db, article=ARTICLE, status="approved", parent_id=parent, body="Reply says"
    )
    await insert_comment(db, article=ARTICLE, status="pending", body="Held says")
    page = await (await client.get(f"/embed/{ARTICLE}")).text()
    assert re.search(r"Parent says.*?<ol class=\"replies\">.*?Reply says", page, re.S)
    assert "Held says" not in page
    assert '<span id="comment-total">2</span> comments' in page


async def test_the_form_has_the_wordpress_fields_and_a_hidden_honeypot(
    make_app_client, make_settings
):
    c = await make_app_client(make_settings(honeypot_field="contact_me_by_fax"))
    page = await (await c.get(f"/embed/{ARTICLE}")).text()
    for label in (
        'for="name">Name',
        'for="email">Email',
        'for="url">Website',
        'for="body">Comment',
    ):
        assert label in page
    assert "Your email address will not be published." in page
    assert re.search(r'<p class="hp" aria-hidden="true">.*name="contact_me_by_fax"', page, re.S)
    # No action: the form posts back to the page's own address, the host page's facts included.
    assert '<form id="comment-form" method="post" data-article' in page


async def test_a_form_with_errors_shows_them_next_to_the_fields_with_what_was_typed(client, db):
    resp = await client.post(
        f"/embed/{ARTICLE}",
        data={"name": "", "email": "dana@", "url": "javascript:alert(1)", "body": "<b>hi</b>"},
    )
    assert resp.status == 422
    page = await resp.text()
    assert '<span class="error" id="name-error">must not be blank</span>' in page
    assert '<span class="error" id="email-error">not a valid email address</span>' in page
    assert '<span class="error" id="url-error">must be an http or https address</span>' in page
    assert 'value="dana@"' in page and 'value="javascript:alert(1)"' in page
    assert "&lt;b&gt;hi&lt;/b&gt;</textarea>" in page
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_a_held_comment_redirects_back_with_a_notice(make_app_client, make_settings, db):
    c = await make_app_client(make_settings(moderation_words=["kettle"]))
    resp = await c.post(
        f"/embed/{ARTICLE}",
        data={"name": "Dana", "email": "dana@example.org", "body": "Is the kettle on?"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == f"/embed/{ARTICLE}?posted=held#comment-held"
    page = await (await c.get(resp.headers["Location"])).text()
    assert "held for moderation" in page
    assert await db.fetchval("SELECT status FROM comments") == "pending"


async def test_a_published_comment_redirects_to_its_anchor(client, db):
    await insert_comment(db, status="approved", author_email="dana@example.org")
    resp = await client.post(
        f"/embed/{ARTICLE}",
        data={
            "name": "Dana",
            "email": "dana@example.org",
            "body": "Thanks for the write-up. Did the hospital have offline backups?",
        },
        allow_redirects=False,
    )
    cid = await db.fetchval("SELECT max(id) FROM comments")
    assert resp.headers["Location"] == f"/embed/{ARTICLE}?posted=published#comment-{cid}"


async def test_spam_from_the_form_looks_held(make_app_client, make_settings, db):
    c = await make_app_client(make_settings(honeypot_field="fax"))
    resp = await c.post(
        f"/embed/{ARTICLE}",
        data={"name": "Bot", "email": "bot@example.org", "body": "Nice post", "fax": "123"},
        allow_redirects=False,
    )
    assert resp.headers["Location"].endswith("?posted=held#comment-held")
    assert await db.fetchval("SELECT status FROM comments") == "rejected"


async def test_with_a_truthful_spam_answer_the_form_says_not_published(
    make_app_client, make_settings
):
    c = await make_app_client(make_settings(honeypot_field="fax", spam_answer="truthful"))
    resp = await c.post(
        f"/embed/{ARTICLE}",
        data={"name": "Bot", "email": "bot@example.org", "body": "Nice post", "fax": "123"},
    )
    assert "Your comment was not published." in await resp.text()


async def test_a_reply_link_opens_the_form_for_that_comment(client, db):
    parent = await insert_comment(db, article=ARTICLE, status="approved", author_name="Ines")
    page = await (await client.get(f"/embed/{ARTICLE}?reply_to={parent}")).text()
    assert f'name="parent_id" value="{parent}"' in page
    assert "Replying to <strong>Ines</strong>" in page


async def test_an_article_name_with_spaces_is_a_404_page(client):
    resp = await client.get("/embed/not%20an%20article")
    assert resp.status == 404 and resp.content_type == "text/html"


async def test_the_demo_embeds_its_article_and_static_files_are_served(client):
    page = await (await client.get("/demo")).text()
    assert (
        f'<iframe id="comments-frame" class="comments-frame" src="/embed/{ARTICLE}?title=' in page
    )
    src = re.search(
        r'src="(/static/embed\.js\?v=\w+)"', await (await client.get(f"/embed/{ARTICLE}")).text()
    )
    resp = await client.get(src.group(1))
    assert resp.status == 200 and "javascript" in resp.content_type


# --- text helpers ------------------------------------------------------------------------------


def test_only_words_with_positive_weight_are_highlighted():
    words = text.spam_words(
        [
            ["words:casino", 1.2],
            ["words:free spins", 0.4],
            ["words:thanks", -1],
            ["meta:links:3", 0.8],
        ]
    )
    assert words == {"casino", "free", "spins"}
    assert text.highlight("Thanks! CASINO, free", words) == [
        ("Thanks! ", False),
        ("CASINO", True),
        (", ", False),
        ("free", True),
    ]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("javascript:alert(1)", None),
        ("JavaScript://example.org/%0aalert(1)", None),
        ("data:text/html,hi", None),
        ("http:///nohost", None),
        ("", None),
    ],
)
def test_only_http_addresses_become_links(url, href):
    assert text.safe_href(url) == href


async def test_a_readers_own_held_comment_never_reaches_the_page_cache_or_another_reader(
    make_app_client, make_settings, db
):
    c = await make_app_client(make_settings(moderation_words=["kettle"]))
    resp = await c.post(
        f"/embed/{ARTICLE}",
        data={"name": "Dana", "email": "dana@example.org", "body": "Is the kettle on? Secret."},
        allow_redirects=False,
    )
    assert resp.status == 303
    # Dana's client keeps the signed cookie: she sees her comment, uncached anywhere.
    mine = await c.get(f"/embed/{ARTICLE}")
    assert "Is the kettle on? Secret." in await mine.text()
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in mine.headers
    # Another reader, without that cookie, gets the shared page without it.
    async with aiohttp.ClientSession() as other:
        for _ in range(2):  # the second answer comes from the cache
            page = await (await other.get(c.make_url(f"/embed/{ARTICLE}"))).text()
            assert "Is the kettle on? Secret." not in page
