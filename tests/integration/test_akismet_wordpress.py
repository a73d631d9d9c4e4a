"""The Akismet API as WordPress uses it: the plugin's full request shape, the three-way
answer, decisions that travel both ways, the account endpoints.

The WordPress plug-in's side of this contract is contrib/wordpress/README.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from tests.integration.test_webhooks import SECRET, Receiver, hook_settings, start, until

BLOG = "https://news.example/"
HAM = "Thanks for the write-up. Do you know whether the hospital had offline backups?"


@pytest.fixture
async def site_key(make_token: Any) -> str:
    headers = await make_token("site", name="news.example")
    return str(headers["Authorization"].removeprefix("Bearer "))


def wordpress_form(key: str, text: str = HAM, **overrides: Any) -> list[tuple[str, str]]:
    """What the Akismet plugin posts: the comment, then every POST_* and HTTP_* value,
    comment_context[N] as PHP's http_build_query writes it."""
    fields = {
        "api_key": key,
        "blog": BLOG,
        "user_ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "referrer": "https://news.example/2024/05/story/",
        "blog_lang": "en_US",
        "blog_charset": "UTF-8",
        "permalink": "https://news.example/2024/05/story/",
        "comment_type": "comment",
        "comment_author": "Dana Whitfield",
        "comment_author_email": "dana@example.org",
        "comment_author_url": "https://dana.example.org",
        "comment_content": text,
        "comment_date_gmt": "2024-05-21 10:15:00",
        "comment_post_modified_gmt": "2024-05-20 08:00:00",
        "user_role": "",
        "comment_context[0]": "security",
        "comment_context[1]": "health",
        "POST_author": "Dana Whitfield",
        "POST_email": "dana@example.org",
        "POST_url": "https://dana.example.org",
        "POST_comment": text,
        "POST_comment_post_ID": "42",
        "POST_comment_parent": "0",
        "POST_akismet_comment_nonce": "5f2a9c1e7b",
        "HTTP_HOST": "news.example",
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
        "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
        "HTTP_REFERER": "https://news.example/2024/05/story/",
        "HTTP_ORIGIN": "https://news.example",
        "HTTP_CONNECTION": "keep-alive",
        "HTTP_SEC_FETCH_MODE": "navigate",
        "HTTP_X_FORWARDED_FOR": "203.0.113.7",
        **overrides,
    }
    return [(k, v) for k, v in fields.items() if v is not None]


async def check(client: Any, data: Any) -> Any:
    resp = await client.post(
        "/1.1/comment-check", data=data, headers={"X-Moderation-Bridge": "1.0.0"}
    )
    assert resp.status == 200, await resp.text()
    return resp


async def test_the_wordpress_plugins_full_request_is_checked_and_kept(client, db, site_key):
    resp = await check(client, wordpress_form(site_key))
    assert await resp.text() in ("true", "false")
    assert resp.headers["X-Moderation-Status"] in ("approved", "pending", "rejected")
    [row] = await db.fetch("SELECT * FROM checks")
    assert str(row["guid"]) == resp.headers["X-akismet-guid"]
    assert row["fields"]["comment_context"] == ["security", "health"]
    assert (row["body"], row["author_url"]) == (HAM, "https://dana.example.org")


async def test_wordpress_longest_comment_in_cjk_sent_twice_percent_encoded_fits(
    client, db, site_key
):
    text = "漢" * (65525 // 3)  # 65 523 bytes of UTF-8, WordPress's limit is 65 525
    resp = await check(client, wordpress_form(site_key, text))
    assert await resp.text() in ("true", "false")
    assert await db.fetchval("SELECT length(body) FROM checks") == len(text)


async def test_a_multisite_super_admin_role_list_is_always_ham(
    make_settings, make_app_client, db, site_key
):
    client = await make_app_client(make_settings(disallowed_words=["casino"]))
    form = wordpress_form(site_key, "Best online casino", user_role="administrator,super_admin")
    resp = await check(client, form)
    assert await resp.text() == "false"
    assert resp.headers["X-Moderation-Status"] == "approved"


async def test_a_script_website_is_blatant_spam_and_never_kept_as_a_link(client, db, site_key):
    resp = await check(client, wordpress_form(site_key, comment_author_url="javascript:alert(1)"))
    assert await resp.text() == "true"
    assert resp.headers["X-akismet-pro-tip"] == "discard"
    [row] = await db.fetch("SELECT * FROM checks")
    assert row["author_url"] is None
    assert (row["status"], row["rejection"]) == ("rejected", "spam")


async def test_a_bare_domain_website_is_kept_as_http(client, db, site_key):
    await check(client, wordpress_form(site_key, comment_author_url="dana.example.org"))
    assert await db.fetchval("SELECT author_url FROM checks") == "http://dana.example.org"


@pytest.mark.parametrize("kind", ["contact-form", "signup", "message", "woocommerce-order"])
async def test_other_comment_types_are_scored_kept_as_checks_and_never_published(
    client, db, site_key, kind
):
    resp = await check(client, wordpress_form(site_key, comment_type=kind))
    assert await resp.text() in ("true", "false")
    assert await db.fetchval("SELECT comment_type FROM checks") == kind
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    listed = await client.get("/v1/articles/news.example/comments")
    assert (await listed.json())["items"] == []


async def held(make_settings: Any, make_app_client: Any, **kw: Any) -> Any:
    """A client whose site rules hold every comment about backups."""
    return await make_app_client(make_settings(moderation_words=["backups"], **kw))


async def test_a_held_check_says_pending_whatever_the_body_says(
    make_settings, make_app_client, db, site_key
):
    for answer in (False, True):
        client = await held(make_settings, make_app_client, akismet_uncertain_answer=answer)
        resp = await check(client, wordpress_form(site_key, f"{HAM} {answer}"))
        assert await resp.text() == ("true" if answer else "false")
        assert resp.headers["X-Moderation-Status"] == "pending"


async def test_a_moderators_decision_on_a_held_check_reaches_the_site_signed(
    aiohttp_server, make_settings, make_app_client, make_token, db, site_key
):
    receiver = Receiver()
    url = await start(aiohttp_server, receiver)
    client = await make_app_client(hook_settings(make_settings, url, moderation_words=["backups"]))
    guid = (await check(client, wordpress_form(site_key))).headers["X-akismet-guid"]
    mod = await make_token("moderator", name="nia")
    queue = await (await client.get("/v1/checks", headers=mod)).json()
    [item] = queue["items"]
    assert (item["kind"], item["guid"], item["comment_type"]) == ("check", guid, "comment")
    assert queue["total"] == 1
    decided = await client.post(
        f"/v1/checks/{item['id']}/decision", headers=mod, json={"action": "spam"}
    )
    assert (await decided.json())["status"] == "rejected"
    await until(lambda: any(e["event"] == "check.decided" for e in receiver.events()))
    headers, body = next(c for c in receiver.calls if json.loads(c[1])["event"] == "check.decided")
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Moderation-Signature"], expected)
    assert json.loads(body)["data"] == {
        "site": "default",
        "guid": guid,
        "status": "rejected",
        "rejection": "spam",
        "by": "nia",
    }
    history = await (await client.get(f"/v1/checks/{item['id']}/history", headers=mod)).json()
    assert [(h["from"], h["to"], h["by"]) for h in history["items"]] == [
        (None, "pending", "auto"),
        ("pending", "rejected", "nia"),
    ]
    shown = await (await client.get(f"/v1/checks/{item['id']}", headers=mod)).json()
    assert shown["label"]["label"] == "spam"
    stats = await (await client.get("/v1/stats", headers=await make_token("admin"))).json()
    assert stats["checks"]["human"]["spam"] == 1
    assert stats["checks"]["pending"] == 0
    stale = await client.post(
        f"/v1/checks/{item['id']}/decision",
        headers=mod,
        json={"action": "approve", "expected_status": "pending"},
    )
    assert stale.status == 409


async def test_submit_ham_from_wordpress_on_a_held_check_approves_it_without_an_echo(
    aiohttp_server, make_settings, make_app_client, db, site_key
):
    receiver = Receiver()
    url = await start(aiohttp_server, receiver)
    client = await make_app_client(hook_settings(make_settings, url, moderation_words=["backups"]))
    guid = (await check(client, wordpress_form(site_key))).headers["X-akismet-guid"]
    resp = await client.post(
        "/1.1/submit-ham", data=[*wordpress_form(site_key, "edited"), ("guid", guid)]
    )
    assert await resp.text() == "Thanks for making the web a better place."
    row = await db.fetchrow("SELECT * FROM checks")
    assert (row["status"], row["decided_by"]) == ("approved", "news.example")
    label = await db.fetchrow("SELECT * FROM labels")
    assert (label["check_id"], label["label"], label["source"]) == (row["id"], "ham", "akismet")
    assert (
        await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE event = 'check.decided'")
        == 0
    )


async def test_test_reports_are_never_labels(client, db, site_key):
    await check(client, wordpress_form(site_key))
    for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
        resp = await client.post(path, data=[*wordpress_form(site_key), ("is_test", "1")])
        assert await resp.text() == "Thanks for making the web a better place."
    assert await db.fetchval("SELECT count(*) FROM labels") == 0


async def test_a_revoked_key_is_invalid_with_an_alert(client, db, site_key):
    await db.execute("UPDATE tokens SET revoked_at = now()")
    resp = await client.post("/1.1/comment-check", data=wordpress_form(site_key))
    assert await resp.text() == "invalid"
    assert resp.headers["X-akismet-alert-code"] == "90001"
    assert "revoked" in resp.headers["X-akismet-alert-msg"]
    assert "X-akismet-guid" not in resp.headers


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_the_connectivity_test_answers_connected(client, method):
    resp = await client.request(method, "/1.1/test")
    assert (resp.status, await resp.text()) == (200, "connected")


async def test_the_plugins_account_and_stats_endpoints_answer_with_real_figures(
    client, db, site_key
):
    await check(client, wordpress_form(site_key))
    await check(client, wordpress_form(site_key, comment_author="akismet-guaranteed-spam"))
    sub = await (await client.post("/1.1/get-subscription", data={"key": site_key})).json()
    assert (sub["status"], sub["account_name"]) == ("active", "news.example")
    stats = await (
        await client.post("/1.1/get-stats", data={"key": site_key, "blog": BLOG, "from": "all"})
    ).json()
    assert (stats["spam"] + stats["ham"], stats["spam"]) == (2, 1)
    assert len(stats["breakdown"]) == 1
    wpcom = await client.post("/1.1/verify-wpcom-key", data={"api_key": site_key})
    assert (await wpcom.json())["valid"] is True
    activity = await (await client.get("/1.2/activity", params={"api_key": site_key})).json()
    assert activity["total"] == 1
    usage = await (await client.get("/1.2/usage-limit", params={"api_key": site_key})).json()
    assert usage["usage"] == 2


async def test_a_readers_checks_are_exported_erased_and_kept_to_the_retention_schedule(
    client, db, make_token, site_key
):
    await check(client, wordpress_form(site_key))
    await check(client, wordpress_form(site_key, "Spam", comment_author="akismet-guaranteed-spam"))
    admin = await make_token("admin")
    exported = await (
        await client.get("/v1/admin/commenters/dana@example.org/export", headers=admin)
    ).json()
    assert [c["body"] for c in exported["checks"]] == [HAM, "Spam"]
    await db.execute("UPDATE checks SET updated_at = now() - interval '400 days', "
                     "created_at = now() - interval '400 days'")  # fmt: skip
    from moderation.ops.retention import sweep

    done = await sweep(client.app)
    assert done["purged"] >= 1 and done["reduced"] >= 1
    assert await db.fetchval("SELECT host(client_ip) FROM checks") == "203.0.113.0"
    erased = await client.delete("/v1/admin/commenters/dana@example.org", headers=admin)
    assert (await erased.json())["checks"] == 1
    row = await db.fetchrow("SELECT author_name, author_email, client_ip FROM checks")
    assert (row["author_name"], row["author_email"], row["client_ip"]) == ("Anonymous", "", None)


async def test_a_new_models_rescoring_decides_held_checks_and_tells_the_site(
    aiohttp_server, make_settings, make_app_client, db, site_key
):
    from moderation.registry.rescore import rescore_pending

    text = "Is the zorblax festival on this year? The page does not say."
    holding = await make_app_client(make_settings(moderation_words=["zorblax"]))
    guid = (await check(holding, wordpress_form(site_key, text))).headers["X-akismet-guid"]
    assert await db.fetchval("SELECT status FROM checks") == "pending"
    receiver = Receiver()
    url = await start(aiohttp_server, receiver)
    client = await make_app_client(hook_settings(make_settings, url, disallowed_words=["zorblax"]))
    await rescore_pending(client.app, "default")
    row = await db.fetchrow("SELECT status, rejection, decided_by FROM checks")
    assert tuple(row) == ("rejected", "spam", "auto")
    await until(lambda: any(e["event"] == "check.decided" for e in receiver.events()))
    event = next(e for e in receiver.events() if e["event"] == "check.decided")
    assert event["data"] == {
        "site": "default",
        "guid": guid,
        "status": "rejected",
        "rejection": "spam",
        "by": "auto",
    }
