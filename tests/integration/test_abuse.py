"""Abuse protection on POST /v1/comments: flood limits, duplicates, idempotent retries,
body size and upload time limits. Real app, real PostgreSQL; no sleeping: windows pass
by moving stored timestamps back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from moderation.ops import sites

PROBLEM = "application/problem+json"
TRUSTED = ["127.0.0.0/8"]  # the test client's peer, so X-Forwarded-For picks the sender


@pytest.fixture(autouse=True)
def fresh(db):
    """Every test here starts from an emptied database, flood marks included (tests/db.py)."""


def sender(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def post(client: Any, doc: dict[str, Any], **kw: Any) -> Any:
    return await client.post("/v1/comments", json=doc, **kw)


async def count(db: Any) -> int:
    return int(await db.fetchval("SELECT count(*) FROM comments"))


async def retry_after(resp: Any) -> int:
    assert resp.status == 429, await resp.text()
    assert resp.content_type == PROBLEM
    problem = await resp.json()
    assert problem["type"].endswith("/too-many-requests")
    value = int(resp.headers["Retry-After"])
    assert problem["retry_after"] == value
    return value


# --- flood control ---------------------------------------------------------------------


async def test_a_second_comment_from_one_address_within_the_interval_is_429_with_retry_after(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    assert (await post(client, payload())).status in (201, 202)
    resp = await post(client, payload(email="other@example.org", body="A different point."))
    assert 0 < await retry_after(resp) <= 60
    assert await count(db) == 1


async def test_a_second_comment_from_one_email_within_the_interval_is_429(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(
        make_settings(flood_email_interval_seconds=60, trusted_proxies=TRUSTED)
    )
    assert (await post(client, payload(), headers=sender("198.51.100.1"))).status in (201, 202)
    resp = await post(client, payload(body="Another thought."), headers=sender("198.51.100.2"))
    assert 0 < await retry_after(resp) <= 60
    assert await count(db) == 1


async def test_different_addresses_and_emails_do_not_limit_each_other(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(
        make_settings(
            flood_ip_interval_seconds=60, flood_email_interval_seconds=60, trusted_proxies=TRUSTED
        )
    )
    for i in range(3):
        resp = await post(
            client,
            payload(email=f"reader{i}@example.org", body=f"Point {i} about the outage."),
            headers=sender(f"198.51.100.{i + 1}"),
        )
        assert resp.status in (201, 202), await resp.text()
    assert await count(db) == 3


async def test_once_the_interval_has_passed_the_next_comment_is_accepted(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    await post(client, payload())
    await retry_after(await post(client, payload(body="Too soon.")))
    await db.execute("UPDATE flood_events SET at = at - interval '61 seconds'")
    assert (await post(client, payload(body="Later."))).status in (201, 202)
    assert await count(db) == 2


async def test_the_rate_per_address_over_a_window_refuses_one_comment_too_many(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_max=3, flood_ip_window_seconds=600))
    for i in range(3):
        resp = await post(client, payload(email=f"r{i}@example.org", body=f"Comment {i}."))
        assert resp.status in (201, 202)
    resp = await post(client, payload(email="r9@example.org", body="One too many."))
    assert 0 < await retry_after(resp) <= 600
    # The oldest comment leaves the window: there is room for one more, and one only.
    await db.execute(
        "UPDATE flood_events SET at = at - interval '601 seconds' "
        "WHERE id = (SELECT min(id) FROM flood_events)"
    )
    assert (await post(client, payload(email="r9@example.org", body="Now."))).status in (201, 202)
    await retry_after(await post(client, payload(email="r8@example.org", body="And again.")))
    assert await count(db) == 4


async def test_two_instances_enforce_one_flood_limit_together(
    make_settings, make_app_client, db, payload
):
    settings = make_settings(flood_ip_interval_seconds=60)
    one = await make_app_client(settings)
    two = await make_app_client(settings)
    assert (await post(one, payload())).status in (201, 202)
    await retry_after(await post(two, payload(email="b@example.org", body="Via the other.")))
    assert await count(db) == 1


async def test_concurrent_comments_from_one_address_on_two_instances_let_one_through(
    make_settings, make_app_client, db, payload
):
    settings = make_settings(flood_ip_interval_seconds=60)
    one, two = await make_app_client(settings), await make_app_client(settings)
    responses = await asyncio.gather(
        *(
            post(
                (one, two)[i % 2],
                payload(email=f"c{i}@example.org", body=f"Concurrent point {i}."),
            )
            for i in range(6)
        )
    )
    statuses = sorted(r.status for r in responses)
    assert len([s for s in statuses if s in (201, 202)]) == 1
    assert statuses.count(429) == 5
    assert await count(db) == 1


async def test_a_valid_token_of_any_role_skips_the_flood_limits(
    make_settings, make_app_client, make_token, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60, flood_ip_max=1))
    for role in ("moderator", "site"):
        headers = await make_token(role)
        for i in range(2):
            resp = await post(client, payload(body=f"{role} comment {i}."), headers=headers)
            assert resp.status in (201, 202), await resp.text()
    assert await count(db) == 4


async def test_an_unknown_token_is_401_rather_than_a_way_around_the_limits(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    resp = await post(client, payload(), headers={"Authorization": "Bearer mod_nothing"})
    assert resp.status == 401
    assert resp.content_type == PROBLEM
    assert await count(db) == 0


async def test_the_html_form_path_is_flood_limited_too(make_settings, make_app_client, payload):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    form = payload(redirect_to="/articles/ransomware-hits-hospital")
    first = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert first.status == 303
    form = payload(body="Second thought.", redirect_to="/articles/ransomware-hits-hospital")
    await retry_after(await client.post("/v1/comments", data=form, allow_redirects=False))


async def test_the_embed_form_is_flood_limited_and_keeps_what_the_reader_typed(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    form = {"name": "Dana", "email": "dana@example.org", "body": "First thought."}
    first = await client.post("/embed/ransomware-hits-hospital", data=form, allow_redirects=False)
    assert first.status == 303
    form = {"name": "Dana", "email": "other@example.org", "body": "Second <b>thought</b>."}
    resp = await client.post("/embed/ransomware-hits-hospital", data=form, allow_redirects=False)
    assert resp.status == 429
    assert 0 < int(resp.headers["Retry-After"]) <= 60
    page = await resp.text()
    assert "Slow down: comments from this address come too fast" in page
    assert "Second &lt;b&gt;thought&lt;/b&gt;.</textarea>" in page
    assert await count(db) == 1


async def test_a_refused_comment_does_not_count_towards_the_limits(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    assert (await post(client, payload(email="not-an-email"))).status == 422
    assert (await post(client, payload(parent_id=999999))).status == 422
    assert (await post(client, payload())).status in (201, 202)
    assert await db.fetchval("SELECT count(*) FROM flood_events") == 2  # its IP and its email


async def test_flood_marks_keep_no_address_and_old_ones_are_purged(
    make_settings, make_app_client, db, payload
):
    await db.execute(
        "INSERT INTO flood_events (subject, at) VALUES ('ip:old', now() - interval '2 days')"
    )
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    await post(client, payload())
    subjects = [r["subject"] for r in await db.fetch("SELECT subject FROM flood_events")]
    assert "ip:old" not in subjects
    assert len(subjects) == 2
    assert not any("127.0.0.1" in s or "dana" in s for s in subjects)


# --- duplicates ------------------------------------------------------------------------


async def test_the_same_body_from_the_same_email_on_the_same_article_is_409(client, db, payload):
    assert (await post(client, payload())).status in (201, 202)
    resp = await post(client, payload(name="Dana W."))
    assert resp.status == 409
    assert resp.content_type == PROBLEM
    problem = await resp.json()
    assert "already said that" in problem["detail"]
    assert "dana@example.org" not in await resp.text()
    assert await count(db) == 1


async def test_the_same_body_elsewhere_or_from_someone_else_is_not_a_duplicate(client, payload):
    assert (await post(client, payload())).status in (201, 202)
    assert (await post(client, payload(article="another-story"))).status in (201, 202)
    assert (await post(client, payload(email="sam@example.org"))).status in (201, 202)


async def test_the_same_body_on_an_article_of_the_same_name_on_another_site_is_not_a_duplicate(
    client, db, payload
):
    await sites.create(db, "alpha", "Alpha", ["https://alpha.example"])
    assert (await post(client, payload())).status in (201, 202)
    assert (await post(client, payload(site="alpha"))).status in (201, 202)
    assert (await post(client, payload(site="alpha"))).status == 409  # still one per site
    assert await count(db) == 2


async def test_the_email_is_compared_without_regard_to_case(client, payload):
    await post(client, payload())
    assert (await post(client, payload(email="DANA@example.org"))).status == 409


async def test_a_duplicate_after_the_window_is_accepted(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(duplicate_window_seconds=3600))
    await post(client, payload())
    assert (await post(client, payload())).status == 409
    await db.execute("UPDATE comments SET created_at = created_at - interval '3601 seconds'")
    assert (await post(client, payload())).status in (201, 202)


async def test_duplicates_are_refused_for_token_holders_too(client, make_token, payload):
    headers = await make_token()
    await post(client, payload(), headers=headers)
    assert (await post(client, payload(), headers=headers)).status == 409


async def test_a_duplicate_form_post_is_409(client, payload):
    form = payload(redirect_to="/articles/ransomware-hits-hospital")
    assert (await client.post("/v1/comments", data=form, allow_redirects=False)).status == 303
    resp = await client.post("/v1/comments", data=form, allow_redirects=False)
    assert resp.status == 409


async def test_the_same_comment_twice_through_the_embed_form_is_409(client, db):
    form = {"name": "Dana", "email": "dana@example.org", "body": "Only once, please."}
    first = await client.post("/embed/ransomware-hits-hospital", data=form, allow_redirects=False)
    assert first.status == 303
    again = await client.post("/embed/ransomware-hits-hospital", data=form, allow_redirects=False)
    assert again.status == 409
    assert "already said that" in await again.text()
    assert await count(db) == 1


async def test_concurrent_identical_comments_store_one(make_settings, make_app_client, db, payload):
    settings = make_settings()
    one, two = await make_app_client(settings), await make_app_client(settings)
    responses = await asyncio.gather(*(post((one, two)[i % 2], payload()) for i in range(6)))
    statuses = sorted(r.status for r in responses)
    assert statuses.count(409) == 5
    assert await count(db) == 1


async def test_the_duplicate_check_can_be_turned_off(make_settings, make_app_client, db, payload):
    client = await make_app_client(make_settings(duplicate_window_seconds=0))
    for _ in range(2):
        assert (await post(client, payload())).status in (201, 202)
    assert await count(db) == 2


# --- idempotent retries ----------------------------------------------------------------


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_makes_one_comment(
    client, db, payload
):
    first = await post(client, payload(), headers=key("3f1c9a70-retry"))
    again = await post(client, payload(), headers=key("3f1c9a70-retry"))
    assert first.status in (201, 202)
    assert again.status == first.status
    assert await again.json() == await first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await count(db) == 1


async def test_a_retry_is_answered_even_where_the_flood_limit_would_refuse_it(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    first = await post(client, payload(), headers=key("k-flood"))
    again = await post(client, payload(), headers=key("k-flood"))
    assert again.status == first.status
    assert (await again.json())["id"] == (await first.json())["id"]
    assert await count(db) == 1


async def test_the_same_key_with_a_different_body_is_422(client, db, payload):
    await post(client, payload(), headers=key("k-reused"))
    resp = await post(client, payload(body="Something else entirely."), headers=key("k-reused"))
    assert resp.status == 422
    assert resp.content_type == PROBLEM
    assert (await resp.json())["type"].endswith("/idempotency-key-reused")
    assert await count(db) == 1


async def test_concurrent_retries_with_one_key_on_two_instances_make_one_comment(
    make_settings, make_app_client, db, payload
):
    settings = make_settings()
    one, two = await make_app_client(settings), await make_app_client(settings)
    responses = await asyncio.gather(
        *(post((one, two)[i % 2], payload(), headers=key("k-race")) for i in range(6))
    )
    assert {r.status for r in responses} <= {201, 202}
    assert len({(await r.json())["id"] for r in responses}) == 1
    assert await count(db) == 1


async def test_keys_belong_to_their_sender(make_settings, make_app_client, db, payload):
    client = await make_app_client(make_settings(trusted_proxies=TRUSTED))
    a = await post(client, payload(), headers={**key("k-shared"), **sender("198.51.100.1")})
    b = await post(
        client,
        payload(email="b@example.org"),
        headers={**key("k-shared"), **sender("198.51.100.2")},
    )
    assert (a.status, b.status) in {(201, 201), (202, 202), (201, 202), (202, 201)}
    assert await count(db) == 2


async def test_a_key_past_its_time_to_live_counts_as_new(
    make_settings, make_app_client, db, payload
):
    client = await make_app_client(make_settings(idempotency_ttl_seconds=3600))
    await post(client, payload(), headers=key("k-old"))
    await db.execute("UPDATE idempotency_keys SET created_at = created_at - interval '2 hours'")
    resp = await post(client, payload(body="A new comment, old key."), headers=key("k-old"))
    assert resp.status in (201, 202)
    assert "Idempotent-Replayed" not in resp.headers
    assert await count(db) == 2


async def test_a_refused_submission_does_not_use_up_its_key(client, db, payload):
    assert (await post(client, payload(parent_id=999999), headers=key("k-fix"))).status == 422
    resp = await post(client, payload(), headers=key("k-fix"))
    assert resp.status in (201, 202)
    assert await count(db) == 1


async def test_a_form_retry_gets_the_same_redirect(client, db, payload):
    form = payload(redirect_to="/articles/ransomware-hits-hospital")
    first = await client.post(
        "/v1/comments", data=form, headers=key("k-form"), allow_redirects=False
    )
    again = await client.post(
        "/v1/comments", data=form, headers=key("k-form"), allow_redirects=False
    )
    assert first.status == again.status == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert await count(db) == 1


@pytest.mark.parametrize("value", ["", "x" * 256, "caf\u00e9"])
async def test_a_malformed_idempotency_key_is_400(client, db, payload, value):
    resp = await post(client, payload(), headers={"Idempotency-Key": value})
    assert resp.status == 400
    assert resp.content_type == PROBLEM
    assert await count(db) == 0


# --- body size and upload time ---------------------------------------------------------


async def raw_exchange(
    client: Any, head: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, then read one response while keeping the socket open (no more body)."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        await writer.drain()
        async with asyncio.timeout(30):  # a safety net for a broken server, not an assertion
            status = int((await reader.readline()).split()[1])
            headers: dict[str, str] = {}
            while (line := (await reader.readline()).decode().strip()) != "":
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, content
    finally:
        writer.close()


async def test_a_content_length_over_the_limit_is_refused_before_the_body_is_read(
    make_settings, make_app_client, db
):
    client = await make_app_client(make_settings(max_request_bytes=4096))
    head = (
        "POST /v1/comments HTTP/1.1\nHost: test\nContent-Type: application/json\n"
        "Content-Length: 10000000\n"
    )
    # Only the first kilobyte of the announced ten megabytes is ever sent.
    status, headers, content = await raw_exchange(client, head, b'{"body": "' + b"x" * 1024)
    assert status == 413
    assert headers["content-type"].startswith(PROBLEM)
    assert b"4096" in content
    assert await count(db) == 0


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    make_settings, make_app_client, db
):
    client = await make_app_client(make_settings(max_request_bytes=4096))
    head = (
        "POST /v1/comments HTTP/1.1\nHost: test\nContent-Type: application/json\n"
        "Transfer-Encoding: chunked\n"
    )
    chunk = b"x" * 1024
    # 8 KB of an endless stream (no final chunk): aiohttp stops at the limit.
    body = b"".join(b"400\r\n" + chunk + b"\r\n" for _ in range(8))
    status, headers, _ = await raw_exchange(client, head, body)
    assert status == 413
    assert headers["content-type"].startswith(PROBLEM)


async def test_an_upload_that_stalls_times_out_with_408(make_settings, make_app_client, db):
    client = await make_app_client(make_settings(body_timeout_seconds=0.2))
    head = (
        "POST /v1/comments HTTP/1.1\nHost: test\nContent-Type: application/json\n"
        "Content-Length: 200\n"
    )
    status, headers, content = await raw_exchange(client, head, b'{"article": "a", ')
    assert status == 408
    assert headers["content-type"].startswith(PROBLEM)
    assert b"timeout" in content
    assert headers["connection"] == "close"  # the rest of the body is not waited for
    assert await count(db) == 0


async def test_a_form_that_stalls_times_out_with_408(make_settings, make_app_client, db):
    client = await make_app_client(make_settings(body_timeout_seconds=0.2))
    head = (
        "POST /v1/comments HTTP/1.1\nHost: test\n"
        "Content-Type: application/x-www-form-urlencoded\nContent-Length: 200\n"
    )
    status, _, _ = await raw_exchange(client, head, b"article=a&name=")
    assert status == 408


async def test_basic_credentials_of_a_protected_site_neither_trust_nor_refuse(
    make_settings, make_app_client, payload
):
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    basic = {"Authorization": "Basic c3RhZ2luZzpzZWNyZXQ="}
    assert (await post(client, payload(), headers=basic)).status in (201, 202)
    await retry_after(await post(client, payload(body="Second."), headers=basic))
