"""Failed desk sign-ins are counted per address, in PostgreSQL, and too many are refused
with 429 and Retry-After. Real app, real PostgreSQL; windows pass by moving stored times."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_pages import secret_of, sign_in

TRUSTED = ["127.0.0.0/8"]  # the test client's peer, so X-Forwarded-For picks the sender


@pytest.fixture(autouse=True)
def fresh(db):
    """Every test here starts from an emptied database, flood marks included (tests/db.py)."""


async def sign_in_from(client: Any, secret: str, ip: str) -> Any:
    client.session.headers["X-Forwarded-For"] = ip
    try:
        return await sign_in(client, secret)
    finally:
        del client.session.headers["X-Forwarded-For"]


async def test_after_the_allowed_failures_even_a_good_token_must_wait(
    make_settings, make_app_client, make_token
):
    client = await make_app_client(
        make_settings(signin_max_failures=3, signin_window_seconds=600, trusted_proxies=TRUSTED)
    )
    good = secret_of(await make_token("moderator", "alice"))
    for _ in range(3):
        assert (await sign_in_from(client, "wrong-token", "198.51.100.7")).status == 401
    refused = await sign_in_from(client, good, "198.51.100.7")
    assert refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "Too many failed sign-ins" in await refused.text()
    # Another address is not held back by them.
    assert (await sign_in_from(client, good, "203.0.113.9")).status == 303


async def test_failures_leave_the_count_as_they_leave_the_window(
    make_settings, make_app_client, make_token, db
):
    client = await make_app_client(
        make_settings(signin_max_failures=2, signin_window_seconds=600, trusted_proxies=TRUSTED)
    )
    good = secret_of(await make_token("moderator", "alice"))
    for _ in range(2):
        assert (await sign_in_from(client, "wrong-token", "198.51.100.7")).status == 401
    assert (await sign_in_from(client, good, "198.51.100.7")).status == 429
    await db.execute("UPDATE flood_events SET at = at - interval '601 seconds'")
    assert (await sign_in_from(client, good, "198.51.100.7")).status == 303


async def test_zero_turns_the_limit_off(make_settings, make_app_client, make_token, db):
    client = await make_app_client(make_settings(signin_max_failures=0))
    for _ in range(5):
        assert (await sign_in(client, "wrong-token")).status == 401
    assert await db.fetchval("SELECT count(*) FROM flood_events") == 0


async def test_comment_flood_purges_leave_sign_in_failures_alone(
    make_settings, make_app_client, db, payload
):
    await db.execute(
        "INSERT INTO flood_events (subject, at) VALUES "
        "('ip:old', now() - interval '120 seconds'), "
        "('signin:recent', now() - interval '120 seconds')"
    )
    client = await make_app_client(make_settings(flood_ip_interval_seconds=60))
    assert (await client.post("/v1/comments", json=payload())).status in (201, 202)
    subjects = {r["subject"] for r in await db.fetch("SELECT subject FROM flood_events")}
    assert "ip:old" not in subjects  # past the comment limits' horizon
    assert "signin:recent" in subjects  # still inside the sign-in window
