"""Confirmed emails (issue 16): a real SMTP server (aiosmtpd) receives the mail."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from moderation.domain import Comment
from moderation.store import comments as comment_store
from tests.conftest import insert_comment
from tests.mailserver import Inbox, body_of, free_port, start
from tests.polling import eventually

PUBLIC = "https://comments.example.org"


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    box = Inbox()
    controller = start(box)
    try:
        yield box
    finally:
        controller.stop()


def mail_settings(make_settings: Any, port: int, **more: Any) -> Any:
    return make_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        smtp_from="comments@example.org",
        public_url=PUBLIC,
        mail_poll_seconds=0.05,
        **more,
    )


def links(text: str) -> dict[str, str]:
    """The mail's links by path: path -> token."""
    found = {}
    for url in re.findall(r"https://\S+", text):
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == PUBLIC
        found[parts.path] = parse_qs(parts.query)["token"][0]
    return found


async def test_the_first_comment_mails_links_that_confirm_the_email_and_list_its_comments(
    make_app_client: Any, make_settings: Any, inbox: Inbox, payload: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(mail_settings(make_settings, inbox.port))
    first = await client.post("/v1/comments", json=payload(email="Dana@Example.org"))
    assert first.status in (201, 202)
    again = await client.post("/v1/comments", json=payload(email="dana@example.org", body="More."))
    assert again.status in (201, 202)
    [message] = await inbox.wait_for(1)
    assert message["To"] == "dana@example.org"
    assert message["From"] == "comments@example.org"
    found = links(body_of(message))
    assert set(found) == {"/readers/confirm", "/readers/comments"}
    # One mail for the address, however many comments.
    assert await db.fetchval("SELECT count(*) FROM mail_outbox") == 1
    # The server has the message before the sender hears its reply and notes the time.
    assert await eventually(lambda: db.fetchval("SELECT sent_at IS NOT NULL FROM mail_outbox"))

    # A link signed for one purpose is not good for the other.
    wrong = await client.post("/v1/readers/confirm", json={"token": found["/readers/comments"]})
    assert wrong.status == 403
    resp = await client.post("/v1/readers/confirm", json={"token": found["/readers/confirm"]})
    assert resp.status == 200
    assert await db.fetchval(
        "SELECT confirmed_at IS NOT NULL FROM reader_emails WHERE email = 'dana@example.org'"
    )
    listed = await client.get("/v1/readers/comments", params={"token": found["/readers/comments"]})
    assert listed.status == 200
    items = (await listed.json())["items"]
    assert [i["id"] for i in items] == [(await again.json())["id"], (await first.json())["id"]]
    assert "email" not in items[0]


async def test_without_smtp_settings_nothing_is_queued(
    client: Any, payload: Any, db: asyncpg.Connection
) -> None:
    assert (await client.post("/v1/comments", json=payload())).status in (201, 202)
    assert await db.fetchval("SELECT count(*) FROM mail_outbox") == 0
    assert await db.fetchval("SELECT count(*) FROM reader_emails") == 0


async def test_a_mail_server_that_is_down_delays_the_mail_not_the_comment(
    make_app_client: Any, make_settings: Any, payload: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(
        mail_settings(make_settings, free_port(), mail_retry_seconds=3600)
    )
    resp = await client.post("/v1/comments", json=payload())
    assert resp.status in (201, 202)
    async with asyncio.timeout(30):
        while not await db.fetchval("SELECT attempts FROM mail_outbox"):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    row = await db.fetchrow(
        "SELECT attempts, sent_at, failed_at, last_error, next_attempt_at > now() AS later "
        "FROM mail_outbox"
    )
    assert row["attempts"] == 1 and row["sent_at"] is None and row["failed_at"] is None
    assert row["later"] and row["last_error"]
    assert "example" not in row["last_error"]  # no address in the error kept


async def test_trust_in_known_authors_needs_a_confirmed_email_when_mail_is_on(
    db: asyncpg.Connection,
) -> None:
    await insert_comment(db, author_email="regular@example.org", status="approved")
    comment = Comment(
        article="story", name="Someone", email="Regular@example.org", body="Me again."
    )
    _, facts = await comment_store.gather_facts(db, comment)
    assert facts.author_has_approved  # without mail, an approved comment is enough
    _, facts = await comment_store.gather_facts(db, comment, confirmed_only=True)
    assert not facts.author_has_approved
    await db.execute(
        "INSERT INTO reader_emails (email, confirmed_at) VALUES ('regular@example.org', now())"
    )
    _, facts = await comment_store.gather_facts(db, comment, confirmed_only=True)
    assert facts.author_has_approved


async def test_a_confirmed_reader_is_mailed_when_their_held_comment_is_published(
    make_app_client: Any,
    make_settings: Any,
    make_token: Any,
    inbox: Inbox,
    db: asyncpg.Connection,
) -> None:
    settings = mail_settings(make_settings, inbox.port, mail_when_published=True)
    client = await make_app_client(settings)
    await db.execute(
        "INSERT INTO reader_emails (email, confirmed_at) VALUES ('held@example.org', now())"
    )
    held = await insert_comment(db, author_email="Held@example.org")
    stranger = await insert_comment(db, author_email="stranger@example.org")
    moderator = await make_token("moderator")
    for cid in (held, stranger):
        resp = await client.post(
            f"/v1/comments/{cid}/decision", json={"action": "approve"}, headers=moderator
        )
        assert resp.status == 200
    [message] = await inbox.wait_for(1)
    assert message["To"] == "held@example.org"
    assert message["Subject"] == "Your comment is published"
    assert set(links(body_of(message))) == {"/readers/comments"}
    assert await db.fetchval("SELECT count(*) FROM mail_outbox") == 1


async def test_retention_drops_mail_once_sent_or_given_up(
    client: Any, db: asyncpg.Connection
) -> None:
    from moderation.ops.retention import sweep

    await db.execute(
        """
        INSERT INTO mail_outbox (kind, email, sent_at, failed_at) VALUES
            ('confirm', 'old@example.org', now() - interval '40 days', NULL),
            ('confirm', 'gave-up@example.org', NULL, now() - interval '40 days'),
            ('confirm', 'recent@example.org', now() - interval '1 day', NULL),
            ('confirm', 'waiting@example.org', NULL, NULL)
        """
    )
    await sweep(client.server.app)
    left = await db.fetch("SELECT email FROM mail_outbox ORDER BY email")
    assert [r["email"] for r in left] == ["recent@example.org", "waiting@example.org"]


async def test_a_readers_export_shows_the_confirmation_and_erasure_forgets_it(
    client: Any, make_token: Any, db: asyncpg.Connection
) -> None:
    await db.execute(
        "INSERT INTO reader_emails (email, confirmed_at) VALUES ('kim@example.com', now())"
    )
    await db.execute("INSERT INTO mail_outbox (kind, email) VALUES ('confirm', 'kim@example.com')")
    admin = await make_token("admin")
    data = await (
        await client.get("/v1/admin/commenters/Kim@example.com/export", headers=admin)
    ).json()
    assert data["mail"]["confirmed_at"]
    resp = await client.delete("/v1/admin/commenters/kim@example.com", headers=admin)
    assert resp.status == 200
    assert await db.fetchval("SELECT count(*) FROM reader_emails") == 0
    assert await db.fetchval("SELECT count(*) FROM mail_outbox") == 0
