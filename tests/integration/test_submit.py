"""POST /v1/comments against the real app and a real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

PROBLEM = "application/problem+json"


async def post_json(client: Any, doc: Any, **kw: Any) -> Any:
    return await client.post("/v1/comments", json=doc, **kw)


async def test_json_comment_is_stored_and_answered_with_id_and_status(client, db, payload):
    resp = await post_json(client, payload())
    assert resp.status in (201, 202)
    body = await resp.json()
    assert body["status"] in ("approved", "pending")
    assert (resp.status == 201) == (body["status"] == "approved")
    row = await db.fetchrow("SELECT * FROM comments WHERE id = $1", body["id"])
    assert row["author_email"] == "dana@example.org"
    assert row["article"] == "ransomware-hits-hospital"
    assert row["spam_score"] is not None and 0 <= row["spam_score"] <= 1
    assert row["model_version"]
    history = await db.fetch("SELECT * FROM comment_history WHERE comment_id = $1", body["id"])
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in history] == [
        (None, row["status"], "auto")
    ]


async def test_form_post_is_accepted_like_a_wordpress_form(client, db):
    form = {
        "comment_post_ID": "zero-day-roundup",
        "author": "Ines",
        "email": "ines@example.net",
        "url": "",
        "comment": "Solid summary of the patch timeline.",
        "comment_parent": "0",
    }
    resp = await client.post("/v1/comments", data=form)
    assert resp.status in (201, 202)
    body = await resp.json()
    row = await db.fetchrow(
        "SELECT article, author_url, parent_id FROM comments WHERE id = $1", body["id"]
    )
    assert row["article"] == "zero-day-roundup"
    assert row["author_url"] is None and row["parent_id"] is None


async def test_form_post_with_redirect_gets_303_back_to_the_article(client, payload):
    form = payload(redirect_to="/articles/ransomware-hits-hospital")
    resp = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/articles/ransomware-hits-hospital#comment-")


async def test_redirect_to_another_site_is_refused(client, db, payload):
    form = payload(redirect_to="https://evil.example/phish")
    resp = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert resp.status == 422
    assert (await resp.json())["errors"] == [
        {"field": "redirect_to", "message": "not an allowed address"}
    ]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_redirect_to_a_configured_origin_is_allowed(make_settings, make_app_client, payload):
    client = await make_app_client(make_settings(allowed_origins=["https://news.example"]))
    form = payload(redirect_to="https://news.example/a/1")
    resp = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert resp.status == 303


@pytest.mark.parametrize("field", ["article", "name", "email", "body"])
async def test_each_required_field_is_reported_when_missing(client, db, payload, field):
    resp = await post_json(client, payload(**{field: None}))
    assert resp.status == 422
    assert resp.content_type == PROBLEM
    problem = await resp.json()
    assert problem["status"] == 422
    assert problem["type"].endswith("/validation")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "n" * 246}, "name", "at most 245 characters"),
        ({"name": "   "}, "name", "must not be blank"),
        ({"email": "not-an-email"}, "email", "not a valid email address"),
        ({"email": "a" * 90 + "@example.com"}, "email", "at most 100 characters"),
        ({"url": "javascript:alert(1)"}, "url", "http or https"),
        ({"url": "ftp://files.example.com/x"}, "url", "http or https"),
        ({"url": "https://example.com/" + "p" * 190}, "url", "at most 200 characters"),
        ({"body": "  \n\t "}, "body", "must not be blank"),
        ({"body": "x" * 65526}, "body", "at most 65525 bytes"),
        ({"body": "é" * 32763}, "body", "at most 65525 bytes"),
        ({"body": "nul\x00byte"}, "body", "control characters"),
        ({"article": "a" * 201}, "article", "at most 200 characters"),
        ({"parent_id": -3}, "parent_id", "greater than or equal to 1"),
        ({"parent_id": "abc"}, "parent_id", "valid integer"),
    ],
)
async def test_invalid_field_gets_a_precise_422(client, db, payload, overrides, field, message):
    resp = await post_json(client, payload(**overrides))
    assert resp.status == 422, await resp.text()
    errors = (await resp.json())["errors"]
    assert [e["field"] for e in errors] == [field]
    assert message in errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM comments") == 0


async def test_fields_at_their_limits_are_accepted(client, payload):
    doc = payload(
        name="n" * 245,
        email="a" * 88 + "@example.com",
        url="https://example.com/" + "p" * 180,
        body="b" * 65525,
    )
    assert len(doc["email"]) == 100
    resp = await post_json(client, doc)
    assert resp.status in (201, 202), await resp.text()


async def test_a_bare_domain_as_website_is_stored_as_http_url(client, db, payload):
    resp = await post_json(client, payload(url="dana.example.org"))
    body = await resp.json()
    url = await db.fetchval("SELECT author_url FROM comments WHERE id = $1", body["id"])
    assert url == "http://dana.example.org"


async def test_several_invalid_fields_are_all_listed(client, payload):
    resp = await post_json(client, payload(name="", email="x", body=""))
    problem = await resp.json()
    assert problem["detail"] == "3 fields are invalid"
    assert {e["field"] for e in problem["errors"]} == {"name", "email", "body"}


async def test_malformed_json_is_400(client):
    resp = await client.post(
        "/v1/comments", data=b'{"article": "a",', headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert resp.content_type == PROBLEM
    assert (await resp.json())["title"] == "Malformed JSON"


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"", b"null"])
async def test_json_that_is_not_an_object_is_400(client, raw):
    resp = await client.post("/v1/comments", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 400


async def test_wrong_content_type_is_415(client):
    resp = await client.post("/v1/comments", data=b"hello", headers={"Content-Type": "text/plain"})
    assert resp.status == 415
    assert resp.content_type == PROBLEM


async def test_request_over_the_size_limit_is_413(make_settings, make_app_client, payload):
    client = await make_app_client(make_settings(max_request_bytes=4096))
    resp = await post_json(client, payload(body="x" * 5000))
    assert resp.status == 413
    assert resp.content_type == PROBLEM


async def test_unknown_parent_is_422(client, payload):
    resp = await post_json(client, payload(parent_id=999999))
    assert resp.status == 422
    assert (await resp.json())["errors"][0]["field"] == "parent_id"


async def test_parent_on_another_article_is_422(client, payload):
    first = await (await post_json(client, payload(article="other-story"))).json()
    resp = await post_json(client, payload(parent_id=first["id"]))
    assert resp.status == 422


async def test_reply_to_an_existing_comment_is_stored_with_its_parent(client, db, payload):
    first = await (await post_json(client, payload())).json()
    reply = await (await post_json(client, payload(parent_id=first["id"], body="Agreed."))).json()
    assert (
        await db.fetchval("SELECT parent_id FROM comments WHERE id = $1", reply["id"])
        == first["id"]
    )


async def test_client_ip_user_agent_and_referrer_are_recorded(client, db, payload):
    resp = await post_json(
        client,
        payload(),
        headers={"User-Agent": "TestBrowser/1.0", "Referer": "https://news.example/a"},
    )
    body = await resp.json()
    row = await db.fetchrow("SELECT * FROM comments WHERE id = $1", body["id"])
    assert str(row["client_ip"]) == "127.0.0.1"
    assert row["user_agent"] == "TestBrowser/1.0"
    assert row["referrer"] == "https://news.example/a"


async def test_forwarded_for_is_ignored_from_an_untrusted_peer(client, db, payload):
    resp = await post_json(client, payload(), headers={"X-Forwarded-For": "203.0.113.9"})
    body = await resp.json()
    ip = await db.fetchval("SELECT client_ip FROM comments WHERE id = $1", body["id"])
    assert str(ip) == "127.0.0.1"


async def test_forwarded_for_is_believed_from_a_trusted_proxy(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(trusted_proxies=["127.0.0.0/8"]))
    resp = await post_json(
        client, payload(), headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9, 127.0.0.2"}
    )
    body = await resp.json()
    ip = await db.fetchval("SELECT client_ip FROM comments WHERE id = $1", body["id"])
    assert str(ip) == "203.0.113.9"


async def test_spam_caught_by_a_rule_looks_held_to_the_sender(client, db, payload):
    resp = await post_json(client, payload(website_confirm="http://bot.example"))
    assert resp.status == 202
    body = await resp.json()
    assert body["status"] == "pending"
    row = await db.fetchrow(
        "SELECT status, rejection, reasons FROM comments WHERE id = $1", body["id"]
    )
    assert (row["status"], row["rejection"]) == ("rejected", "spam")
    assert any("honeypot" in r for r in row["reasons"])


async def test_a_site_can_choose_to_tell_spammers_the_truth(
    make_settings, make_app_client, payload
):
    client = await make_app_client(make_settings(spam_answer="truthful"))
    resp = await post_json(client, payload(website_confirm="filled"))
    assert resp.status == 202
    assert (await resp.json())["status"] == "rejected"


async def test_moderation_word_holds_the_comment_for_review(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(moderation_words=["backups"]))
    resp = await post_json(client, payload())
    assert resp.status == 202
    body = await resp.json()
    assert body["status"] == "pending"
    row = await db.fetchrow("SELECT status, decision FROM comments WHERE id = $1", body["id"])
    assert row["status"] == "pending"
    assert row["decision"]["rules"][0]["rule"] == "moderation_words"


async def test_unknown_route_is_a_problem_404(client):
    resp = await client.get("/v1/nothing-here")
    assert resp.status == 404
    assert resp.content_type == PROBLEM


async def test_wrong_method_is_a_problem_405(client):
    resp = await client.put("/v1/comments", json={})
    assert resp.status == 405
    assert resp.content_type == PROBLEM


async def test_nothing_acknowledged_is_lost(client, db, payload):
    ids = []
    for i in range(20):
        resp = await post_json(client, payload(body=f"Point {i}: the patch window was too long."))
        assert resp.status in (201, 202)
        ids.append((await resp.json())["id"])
    stored = await db.fetch("SELECT id FROM comments WHERE id = ANY($1::bigint[])", ids)
    assert len(stored) == 20


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).status == 200
    resp = await client.get("/readyz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok" and body["database"] is True and body["model_version"]


async def test_an_uncertain_comment_from_a_known_author_is_approved(client, db, payload):
    from moderation.classifier.thresholds import Thresholds
    from moderation.keys import MODEL

    live = client.server.app[MODEL]
    # Thresholds that make every score uncertain, so only the author's history decides.
    everything_uncertain = Thresholds(0.0, 1.0, 0.01, 0.005, 0.8)
    # A copy: the loaded model itself is shared (cached) with other apps in this process.
    live.swap(live.model.with_thresholds(everything_uncertain))
    first = await (await client.post("/v1/comments", json=payload(email="new@example.org"))).json()
    assert first["status"] == "pending"
    await db.execute("UPDATE comments SET status = 'approved' WHERE id = $1", first["id"])
    again = await client.post(
        "/v1/comments", json=payload(email="NEW@example.org", body="Second thought.")
    )
    assert again.status == 201
    cid = (await again.json())["id"]
    decision = await db.fetchval("SELECT decision FROM comments WHERE id = $1", cid)
    assert decision["outcome"] == "known_author"
    stranger = await client.post(
        "/v1/comments", json=payload(email="other@example.org", body="Hm.")
    )
    assert (await stranger.json())["status"] == "pending"
