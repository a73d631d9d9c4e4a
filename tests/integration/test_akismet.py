"""The Akismet-compatible API, driven by the `akismet` client library from PyPI.

Checks are stored as checks (the `checks` table), never as comments: nothing a
site checks is ever published here.

The library always talks to https://rest.akismet.com; it accepts a custom
`httpx.AsyncClient`, whose transport here sends each request to the test
server instead. What the library cannot send (the honeypot field's value,
`guid`, repeated `comment_context[]`, a key in the host name) is sent as raw
form posts built from Akismet's REST API 1.1 documentation.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import akismet
import httpx
import pytest

from moderation.domain import Decision, Rejection, Status
from moderation.intake import akismet as service
from moderation.keys import MODEL
from moderation.ops import sites
from moderation.ops.access import create_token
from moderation.settings import Settings
from moderation.store import training

BLOG = "https://news.example/"
PERMALINK = "https://news.example/2024/05/ransomware-hits-hospital/"
HAM = "Thanks for the write-up. Do you know whether the hospital had offline backups?"
SPAMMY = "Best online casino bonus, click now"


class ToService(httpx.AsyncBaseTransport):
    """Sends what the library addresses to rest.akismet.com to the service under test."""

    def __init__(self, client: Any) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._host, self._port = client.host, client.port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host=self._host, port=self._port)
        request.headers["Host"] = f"{self._host}:{self._port}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def http_client(client: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=ToService(client), headers={"User-Agent": akismet.USER_AGENT}, timeout=60
    )


@asynccontextmanager
async def library(client: Any, key: str, blog: str = BLOG) -> AsyncIterator[akismet.AsyncClient]:
    """A validated library client (entering it runs verify-key against the service)."""
    async with akismet.AsyncClient(
        config=akismet.Config(key=key, url=blog), http_client=http_client(client)
    ) as ak:
        yield ak


async def token(make_token: Any, role: str = "site", name: str = "news.example") -> str:
    headers = await make_token(role, name=name)
    return str(headers["Authorization"].removeprefix("Bearer "))


@pytest.fixture
async def site_key(make_token: Any) -> str:
    return await token(make_token)


def comment(**overrides: Any) -> dict[str, Any]:
    """comment-check's optional fields for a plainly legitimate comment."""
    doc: dict[str, Any] = {
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "referrer": "https://news.example/2024/05/",
        "permalink": PERMALINK,
        "comment_type": "comment",
        "comment_author": "Dana Whitfield",
        "comment_author_email": "dana@example.org",
        "comment_author_url": "https://dana.example.org",
        "comment_content": HAM,
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def form(key: str | None, **overrides: Any) -> dict[str, Any]:
    """A raw comment-check form, as Akismet documents it."""
    doc = {"api_key": key, "blog": BLOG, "user_ip": "203.0.113.7", **comment()}
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


async def check(client: Any, data: Any, **kw: Any) -> tuple[str, Any]:
    resp = await client.post("/1.1/comment-check", data=data, **kw)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"
    return await resp.text(), resp


async def stored(db: Any) -> list[Any]:
    """The checks stored; there are never comments."""
    assert await db.fetchval("SELECT count(*) FROM comments") == 0
    return list(await db.fetch("SELECT * FROM checks ORDER BY id"))


# --- verify-key ------------------------------------------------------------------------


async def test_verify_key_is_valid_for_a_site_token_through_the_akismet_library(client, site_key):
    async with library(client, site_key) as ak:
        assert await ak.verify_key() is True
        assert await ak.verify_key(site_key, "https://other.example/") is True


async def test_verify_key_is_invalid_for_unknown_keys_moderator_tokens_and_bad_blogs(
    client, make_token, site_key
):
    moderator = await token(make_token, "moderator", "mia")
    async with library(client, site_key) as ak:
        assert await ak.verify_key("mod_unknown", BLOG) is False
        assert await ak.verify_key(moderator, BLOG) is False
        assert await ak.verify_key(site_key, "news.example") is False
    http = http_client(client)
    try:
        with pytest.raises(akismet.APIKeyError):
            await akismet.AsyncClient.validated_client(
                config=akismet.Config(key="mod_unknown", url=BLOG), http_client=http
            )
    finally:
        await http.aclose()


async def test_verify_key_answers_invalid_with_debug_help(client):
    resp = await client.post("/1.1/verify-key", data={"key": "mod_nope", "blog": BLOG})
    assert await resp.text() == "invalid"
    assert "unknown" in resp.headers["X-akismet-debug-help"]


# --- comment-check ---------------------------------------------------------------------


async def test_ham_is_answered_false_and_stored_as_a_check_of_the_keys_site(client, db, site_key):
    async with library(client, site_key) as ak:
        answer = await ak.comment_check("203.0.113.7", **comment())
    assert answer is akismet.CheckResponse.HAM
    [row] = await stored(db)
    assert (row["site"], row["key_name"]) == ("default", "news.example")
    assert (row["permalink"], row["comment_type"]) == (PERMALINK, "comment")
    assert row["status"] in ("approved", "pending")
    assert row["decided_by"] == "auto"
    assert (row["author_name"], row["author_email"]) == ("Dana Whitfield", "dana@example.org")
    assert row["author_url"] == "https://dana.example.org"
    assert str(row["client_ip"]) == "203.0.113.7"
    assert row["user_agent"].startswith("Mozilla/5.0")
    assert row["referrer"] == "https://news.example/2024/05/"
    assert row["spam_score"] is not None and row["model_version"]
    published = await client.get("/v1/articles/news.example/comments")
    assert (await published.json())["items"] == []


async def test_every_comment_check_field_the_library_sends_is_accepted_and_kept(
    client, db, site_key
):
    async with library(client, site_key) as ak:
        answer = await ak.comment_check(
            "2001:db8::7",
            **comment(
                blog_lang="en_us, fr_ca",
                blog_charset="UTF-8",
                comment_date_gmt="2024-05-21T10:15:00Z",
                comment_post_modified_gmt="2024-05-20T08:00:00Z",
                user_role="subscriber",
                honeypot_field_name="hp_website",
                recheck_reason="edit",
                comment_context="security",
                comment_type="reply",
            ),
        )
    assert answer in (akismet.CheckResponse.HAM, akismet.CheckResponse.SPAM)
    [row] = await stored(db)
    assert str(row["client_ip"]) == "2001:db8::7"
    fields = row["fields"]
    assert fields["blog_lang"] == "en_us, fr_ca"
    assert fields["blog_charset"] == "UTF-8"
    assert fields["comment_date_gmt"] == "2024-05-21T10:15:00Z"
    assert fields["comment_post_modified_gmt"] == "2024-05-20T08:00:00Z"
    assert fields["user_role"] == "subscriber"
    assert fields["honeypot_field_name"] == "hp_website"
    assert fields["recheck_reason"] == "edit"
    assert fields["comment_context"] == ["security"]
    assert row["comment_type"] == "reply"
    assert row["permalink"] == PERMALINK and fields["blog"] == BLOG


@pytest.mark.parametrize(
    "who",
    [
        {"comment_author": "akismet-guaranteed-spam"},
        {"comment_author_email": "akismet-guaranteed-spam@example.com"},
    ],
)
async def test_the_guaranteed_spam_author_or_email_is_always_spam(client, db, site_key, who):
    async with library(client, site_key) as ak:
        answer = await ak.comment_check("203.0.113.7", **comment(**who))
    assert answer is akismet.CheckResponse.SPAM
    [row] = await stored(db)
    assert (row["status"], row["rejection"]) == ("rejected", "spam")
    assert row["decision"]["outcome"] == "akismet_guaranteed_spam"


async def test_an_administrator_is_always_ham_even_with_spammy_words(
    make_settings, make_app_client, db, site_key
):
    client = await make_app_client(make_settings(disallowed_words=["casino"]))
    async with library(client, site_key) as ak:
        answer = await ak.comment_check(
            "203.0.113.7", **comment(comment_content=SPAMMY, user_role="administrator")
        )
    assert answer is akismet.CheckResponse.HAM
    [row] = await stored(db)
    assert row["status"] == "approved"
    assert row["decision"]["outcome"] == "akismet_administrator"


async def test_blatant_spam_gets_the_discard_pro_tip(make_settings, make_app_client, db, site_key):
    client = await make_app_client(make_settings(disallowed_words=["casino"]))
    async with library(client, site_key) as ak:
        answer = await ak.comment_check("203.0.113.7", **comment(comment_content=SPAMMY))
    assert answer is akismet.CheckResponse.DISCARD
    [row] = await stored(db)
    assert (row["status"], row["rejection"]) == ("rejected", "spam")


async def test_a_filled_honeypot_field_is_blatant_spam(client, db, site_key):
    text, resp = await check(
        client, form(site_key, honeypot_field_name="hp_website", hp_website="http://bot.example")
    )
    assert text == "true"
    assert resp.headers["X-akismet-pro-tip"] == "discard"
    [row] = await stored(db)
    assert any("honeypot" in r for r in row["reasons"])


async def test_an_empty_honeypot_field_is_no_evidence(client, site_key):
    text, resp = await check(client, form(site_key, honeypot_field_name="hp", hp=""))
    assert text == "false"
    assert "X-akismet-pro-tip" not in resp.headers


@pytest.mark.parametrize(
    ("uncertain_is_spam", "expected"),
    [(False, akismet.CheckResponse.HAM), (True, akismet.CheckResponse.SPAM)],
)
async def test_an_uncertain_comment_answers_the_configured_choice_and_waits_for_review(
    make_settings, make_app_client, make_token, db, site_key, uncertain_is_spam, expected
):
    client = await make_app_client(
        make_settings(moderation_words=["backups"], akismet_uncertain_answer=uncertain_is_spam)
    )
    async with library(client, site_key) as ak:
        assert await ak.comment_check("203.0.113.7", **comment()) is expected
    moderator = await make_token("moderator", name="mia")
    queue = await (await client.get("/v1/checks", headers=moderator)).json()
    assert [(item["kind"], item["body"]) for item in queue["items"]] == [("check", HAM)]
    assert queue["items"][0]["status"] == "pending"
    comments = await (await client.get("/v1/queue", headers=moderator)).json()
    assert comments["items"] == []


async def test_is_test_decides_but_stores_nothing(client, db, site_key):
    async with library(client, site_key) as ak:
        spam = await ak.comment_check(
            "203.0.113.7", **comment(comment_author="akismet-guaranteed-spam", is_test=True)
        )
        ham = await ak.comment_check("203.0.113.7", **comment(is_test=True))
    assert spam is akismet.CheckResponse.SPAM
    assert ham is akismet.CheckResponse.HAM
    assert await stored(db) == []


async def test_every_answer_but_invalid_carries_a_guid_that_names_the_stored_check(
    client, db, site_key
):
    text, resp = await check(client, form(site_key))
    assert text == "false"
    guid = resp.headers["X-akismet-guid"]
    [row] = await stored(db)
    assert str(row["guid"]) == guid
    assert resp.headers["X-Moderation-Status"] == row["status"]
    _, invalid = await check(client, form(None))
    assert "X-akismet-guid" not in invalid.headers
    _, test = await check(client, form(site_key, is_test="1"))
    assert test.headers["X-akismet-guid"]


@pytest.mark.parametrize(
    ("overrides", "help_has"),
    [
        ({"api_key": None}, "api_key"),
        ({"api_key": "mod_unknown"}, "unknown"),
        ({"blog": None}, "blog"),
        ({"blog": "news.example"}, "blog"),
    ],
)
async def test_a_key_problem_is_answered_invalid_with_debug_help(
    client, db, site_key, overrides, help_has
):
    text, resp = await check(client, form(site_key, **overrides))
    assert text == "invalid"
    assert help_has in resp.headers["X-akismet-debug-help"]
    assert "X-akismet-error" not in resp.headers
    assert await stored(db) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"user_ip": None}, "Missing required field: user_ip."),
        ({"user_ip": " "}, "Missing required field: user_ip."),
        ({"user_ip": "not-an-ip"}, "Invalid field: user_ip is not an IP address."),
        (
            {"comment_content": "x" * 65526},
            "Invalid field: comment_content is over 65525 bytes.",
        ),
        (
            {"comment_author_url": "https://e.example/" + "p" * 200},
            "Invalid field: comment_author_url is over 200 characters.",
        ),
        (
            {"comment_author_email": "a" * 95 + "@e.example"},
            "Invalid field: comment_author_email is over 100 characters.",
        ),
    ],
)
async def test_a_field_problem_is_answered_with_akismets_message_not_invalid(
    client, db, site_key, overrides, message
):
    text, resp = await check(client, form(site_key, **overrides))
    assert text == message
    assert resp.headers["X-akismet-debug-help"] == message
    assert resp.headers["X-akismet-error"] == message
    assert "X-akismet-guid" not in resp.headers
    assert await stored(db) == []


async def test_a_moderator_token_is_not_an_api_key(client, make_token, db):
    text, resp = await check(client, form(await token(make_token, "moderator", "mia")))
    assert text == "invalid"
    assert "site" in resp.headers["X-akismet-debug-help"]


async def test_a_json_body_is_invalid_with_help(client, site_key):
    resp = await client.post("/1.1/comment-check", json=form(site_key))
    assert await resp.text() == "invalid"
    assert "form-encoded" in resp.headers["X-akismet-debug-help"]


async def test_the_key_may_come_as_the_first_label_of_the_host_name(client, db, site_key):
    host = {"Host": f"{site_key}.rest.localhost"}
    resp = await client.post("/1.1/verify-key", data={"blog": BLOG}, headers=host)
    assert await resp.text() == "valid"
    text, _ = await check(client, form(None), headers=host)
    assert text == "false"
    assert len(await stored(db)) == 1
    text, _ = await check(client, form(None), headers={"Host": "mod_wrong.rest.localhost"})
    assert text == "invalid"
    upper = {"Host": f"{site_key.upper()}.rest.localhost"}
    text, _ = await check(client, form(None, comment_content="Another one"), headers=upper)
    assert text == "false"
    assert len(await stored(db)) == 2


async def test_an_admin_key_of_every_site_is_the_site_whose_origins_hold_the_blog(
    client, make_token, db
):
    await sites.create(db, "blog", "Blog", ["https://blog.example.net"])
    admin = await token(make_token, "admin", "root")
    async with library(client, admin, "https://Blog.Example.net/") as ak:
        assert await ak.comment_check("203.0.113.7", **comment()) is akismet.CheckResponse.HAM
    async with library(client, admin, "https://elsewhere.example/") as ak:
        assert await ak.comment_check("203.0.113.7", **comment()) is akismet.CheckResponse.HAM
    rows = await stored(db)
    assert [(r["site"], r["key_name"]) for r in rows] == [("blog", "root"), ("default", "root")]


async def test_a_site_key_is_its_sites_and_refuses_a_blog_outside_its_origins(client, db):
    await sites.create(db, "blog", "Blog", ["https://blog.example.net"])
    key, _ = await create_token(db, "blog-key", "site", "blog")
    async with library(client, key, "https://blog.example.net/2024/") as ak:
        assert await ak.comment_check("203.0.113.7", **comment()) is akismet.CheckResponse.HAM
    [row] = await stored(db)
    assert row["site"] == "blog"
    text, _ = await check(client, form(key, blog="https://evil.example/"))
    assert text == "invalid"


async def test_user_ip_comes_from_the_form_even_behind_a_trusted_proxy(
    make_settings, make_app_client, db, site_key
):
    client = await make_app_client(make_settings(trusted_proxies=["127.0.0.0/8"]))
    text, _ = await check(
        client, form(site_key, user_ip="198.51.100.23"), headers={"X-Forwarded-For": "203.0.113.99"}
    )
    assert text == "false"
    [row] = await stored(db)
    assert str(row["client_ip"]) == "198.51.100.23"


@pytest.mark.parametrize(
    "names",
    [
        ("comment_context[]", "comment_context[]"),
        ("comment_context[1]", "comment_context[0]"),  # PHP's http_build_query, any order
    ],
)
async def test_every_comment_context_value_is_kept_in_order(client, db, site_key, names):
    values = ("security", "health") if names[0].endswith("[]") else ("health", "security")
    data = [*form(site_key).items(), *zip(names, values, strict=True)]
    await check(client, data)
    [row] = await stored(db)
    assert row["fields"]["comment_context"] == ["security", "health"]


async def test_a_recheck_of_a_known_comment_stores_no_second_copy(client, db, site_key):
    _, first = await check(client, form(site_key))
    text, again = await check(client, form(site_key, recheck_reason="recheck_queue"))
    assert text == "false"
    assert again.headers["X-akismet-guid"] == first.headers["X-akismet-guid"]
    assert len(await stored(db)) == 1


async def test_a_recheck_answers_the_known_checks_status_as_it_stands(
    client, db, make_token, site_key
):
    await check(client, form(site_key))
    mod = await make_token("moderator", name="mia")
    [row] = await stored(db)
    await client.post(f"/v1/checks/{row['id']}/decision", headers=mod, json={"action": "spam"})
    text, again = await check(client, form(site_key, recheck_reason="recheck_queue"))
    assert (text, again.headers["X-Moderation-Status"]) == ("true", "rejected")


async def test_a_nul_character_in_a_field_is_dropped_not_an_error(client, db, site_key):
    text, _ = await check(client, form(site_key, comment_author="Da\x00na"))
    assert text in ("true", "false")
    [row] = await stored(db)
    assert row["author_name"] == "Dana"


async def test_an_anonymous_comment_without_name_email_or_text_is_checked(client, db, site_key):
    text, _ = await check(
        client,
        form(site_key, comment_author=None, comment_author_email=None, comment_content=None),
    )
    assert text in ("true", "false")
    [row] = await stored(db)
    assert (row["author_email"], row["body"]) == ("", "")


async def test_an_akismet_body_over_the_size_limit_is_413(make_settings, make_app_client, site_key):
    client = await make_app_client(make_settings(akismet_max_request_bytes=4096))
    resp = await client.post("/1.1/comment-check", data=form(site_key, comment_content="x" * 5000))
    assert resp.status == 413
    assert resp.content_type == "application/problem+json"


async def test_akismet_checks_are_not_flood_limited(make_settings, make_app_client, db, site_key):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    for i in range(3):
        text, _ = await check(client, form(site_key, comment_content=f"{HAM} ({i})"))
        assert text in ("true", "false")
    assert len(await stored(db)) == 3


# --- submit-spam and submit-ham --------------------------------------------------------


async def labels(db: Any) -> list[Any]:
    return list(await db.fetch("SELECT * FROM labels ORDER BY id"))


@pytest.mark.parametrize("label", ["spam", "ham"])
async def test_a_submission_through_the_library_labels_the_comment_found_by_content(
    client, db, site_key, label
):
    async with library(client, site_key) as ak:
        await ak.comment_check("203.0.113.7", **comment())
        submit = ak.submit_spam if label == "spam" else ak.submit_ham
        assert await submit("203.0.113.7", **comment()) is True
    [row] = await stored(db)
    [given] = await labels(db)
    assert (given["check_id"], given["label"]) == (row["id"], label)
    assert (given["source"], given["given_by"]) == ("akismet", "news.example")
    # Retraining reads it like any other label.
    examples = await training.site_labels(db, "default")
    assert [(e.comment.body, e.spam, e.source) for e in examples] == [
        (HAM, label == "spam", "akismet")
    ]


async def test_a_later_submission_replaces_the_earlier_label(client, db, site_key):
    async with library(client, site_key) as ak:
        await ak.comment_check("203.0.113.7", **comment())
        await ak.submit_spam("203.0.113.7", **comment())
        await ak.submit_ham("203.0.113.7", **comment())
    assert [g["label"] for g in await labels(db)] == ["ham"]


async def test_submit_spam_by_guid_labels_that_comment_whatever_the_content(client, db, site_key):
    _, resp = await check(client, form(site_key))
    guid = resp.headers["X-akismet-guid"]
    answer = await client.post(
        "/1.1/submit-spam", data=form(site_key, guid=guid, comment_content="edited since")
    )
    assert await answer.text() == "Thanks for making the web a better place."
    [row] = await stored(db)
    [given] = await labels(db)
    assert (given["check_id"], given["label"]) == (row["id"], "spam")


async def test_another_sites_guid_does_not_reach_this_sites_comment(
    client, make_token, db, site_key
):
    _, resp = await check(client, form(site_key))
    await sites.create(db, "other", "Other", [])
    other, _ = await create_token(db, "other.example", "site", "other")
    await client.post(
        "/1.1/submit-spam",
        data=form(other, guid=resp.headers["X-akismet-guid"], comment_content="Buy pills"),
    )
    [given] = await labels(db)
    assert given["check_id"] is None and given["body"] == "Buy pills"
    assert given["given_by"] == "other.example"


async def test_a_comment_never_checked_is_kept_as_labelled_text_for_retraining(
    client, db, site_key
):
    async with library(client, site_key) as ak:
        assert await ak.submit_spam("203.0.113.7", **comment(comment_content=SPAMMY)) is True
        assert await ak.submit_spam("203.0.113.7", **comment(comment_content=SPAMMY)) is True
    [given] = await labels(db)
    assert given["comment_id"] is None
    assert (given["body"], given["label"], given["source"]) == (SPAMMY, "spam", "akismet")
    example = (await training.site_labels(db, "default"))[0]
    assert given["content_hash"] == training.content_hash(example)


async def test_a_submission_without_user_ip_or_key_is_invalid(client, db, site_key):
    resp = await client.post("/1.1/submit-ham", data=form(site_key, user_ip=None))
    assert await resp.text() == "Missing required field: user_ip."
    resp = await client.post("/1.1/submit-ham", data=form(None))
    assert await resp.text() == "invalid"
    assert resp.headers["X-akismet-debug-help"]
    assert await labels(db) == []


# --- the answer, as a pure function ----------------------------------------------------


def decision(status: Status, p: float, outcome: str) -> Decision:
    return Decision(
        status,
        Rejection.SPAM if status is Status.REJECTED else None,
        ("why",),
        spam_score=p,
        model_version="m1",
        details={"outcome": outcome},
    )


def a_check(**overrides: Any) -> service.Check:
    base = service.parse_check(
        {"user_ip": "203.0.113.7", "comment_content": HAM, **overrides},
        [],
        Settings(_env_file=None),  # type: ignore[call-arg]
    )
    return base


@pytest.mark.parametrize(
    ("made", "spam", "discard"),
    [
        (decision(Status.APPROVED, 0.01, "confident_ham"), False, False),
        (decision(Status.PENDING, 0.5, "uncertain"), False, False),
        (decision(Status.REJECTED, 0.9, "confident_spam"), True, False),
        (decision(Status.REJECTED, 0.995, "confident_spam"), True, True),
        (decision(Status.REJECTED, 0.2, "rule_spam"), True, True),
    ],
)
def test_the_answer_follows_the_decision(made, spam, discard):
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    answer = service.answer_for(made, a_check(), settings)
    assert (answer.spam, answer.discard) == (spam, discard)
    assert answer.decision is made


async def test_a_sites_own_trust_in_known_authors_decides_its_checks(client, db):
    """An uncertain check from an author the site already approved is approved only if
    the site trusts known authors: its own setting, not the installation's."""
    live = client.server.app[MODEL]
    # Same version, nothing decided alone: every check is uncertain.
    live.model = live.model.with_thresholds(replace(live.model.thresholds, low=0.0, high=1.0))
    await sites.create(db, "trusting", "Trusting", [], {"trust_known_authors": True})
    await sites.create(db, "wary", "Wary", [], {"trust_known_authors": False})
    statuses = {}
    for site in ("trusting", "wary"):
        await db.execute(
            "INSERT INTO checks (site, guid, key_name, author_email, body, status, spam_score) "
            "VALUES ($1, $2, 'k', 'dana@example.org', 'An earlier comment.', 'approved', 0.1)",
            site,
            uuid.uuid4(),
        )
        key, _ = await create_token(db, f"{site}.example", "site", site)
        await check(client, form(key))
        statuses[site] = await db.fetchval(
            "SELECT status FROM checks WHERE site = $1 ORDER BY id DESC LIMIT 1", site
        )
    assert statuses == {"trusting": "approved", "wary": "pending"}
