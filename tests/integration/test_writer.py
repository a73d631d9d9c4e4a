"""Group commit (moderation/intake/writer.py): many comments, one statement, each answered with
its own id, only after the commit; a bad comment never fails its neighbours. Real
PostgreSQL, real pool."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import asyncpg
import pytest

from moderation.domain import Comment, Decision, Rejection, Status
from moderation.intake.flood import FloodLimits
from moderation.intake.verdicts import Checks, Sender
from moderation.intake.writer import CommentWriter
from moderation.problems import DATABASE_DOWN, Problem
from moderation.store.db import create_pool

ARTICLE = "group-commit"


def comment(n: int, **kw: Any) -> Comment:
    return Comment(
        article=ARTICLE,
        name=f"Reader {n}",
        email=f"reader{n}@example.org",
        body=f"Comment number {n}; reasons and all.",
        **kw,
    )


def decision(n: int) -> Decision:
    if n % 3 == 0:
        return Decision(
            Status.REJECTED,
            Rejection.SPAM,
            (f"spam score {n}", "links: 4"),
            0.99,
            "m1",
            {"outcome": "spam", "n": n},
        )
    if n % 3 == 1:
        return Decision(Status.PENDING, None, (f"uncertain {n}",), 0.5, "m1", {"n": n})
    return Decision(Status.APPROVED, None, (), 0.01, "m1", {"n": n})


@pytest.fixture
async def pool(database_url: str, db: asyncpg.Connection) -> Any:
    p = await create_pool(database_url, min_size=1, max_size=4)
    try:
        yield p
    finally:
        await p.close()


async def test_concurrent_comments_share_statements_and_each_gets_its_own_row(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        stored = await asyncio.gather(*(writer.insert(comment(n), decision(n)) for n in range(40)))
    finally:
        await writer.close()
    assert writer.stored == 40
    assert writer.batches < 40  # they waited together, so they went together
    assert len({s.id for s in stored}) == 40
    for n, s in enumerate(stored):
        row = await db.fetchrow("SELECT * FROM comments WHERE id = $1", s.id)
        d = decision(n)
        assert row["body"] == comment(n).body and row["author_email"] == comment(n).email
        assert row["status"] == d.status.value
        assert row["rejection"] == (d.rejection.value if d.rejection else None)
        assert list(row["reasons"]) == list(d.reasons)
        assert row["decision"] == d.details
        assert row["created_at"] == s.created_at
        history = await db.fetch("SELECT * FROM comment_history WHERE comment_id = $1", s.id)
        assert len(history) == 1
        assert history[0]["to_status"] == d.status.value and history[0]["actor"] == "auto"
        assert history[0]["note"] == ("; ".join(d.reasons) or None)


async def test_a_comment_the_batch_cannot_take_fails_alone(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        results = await asyncio.gather(
            *(
                writer.insert(comment(n, parent_id=10**9 if n == 2 else None), decision(n))
                for n in range(5)
            ),
            return_exceptions=True,
        )
    finally:
        await writer.close()
    assert isinstance(results[2], asyncpg.ForeignKeyViolationError)
    good = [r for i, r in enumerate(results) if i != 2]
    assert not any(isinstance(r, BaseException) for r in good)
    assert await db.fetchval("SELECT count(*) FROM comments") == 4
    assert await db.fetchval("SELECT count(*) FROM comment_history") == 4


async def test_with_the_database_away_every_waiting_comment_gets_the_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    away = await create_pool(f"postgresql://postgres@127.0.0.1:{port}/x", min_size=0, max_size=2)
    writer = CommentWriter(away, tasks=1)
    try:
        results = await asyncio.gather(
            *(writer.insert(comment(n), decision(n)) for n in range(3)), return_exceptions=True
        )
    finally:
        await writer.close()
        await away.close()
    assert all(isinstance(r, DATABASE_DOWN) for r in results), results
    assert writer.stored == 0


async def test_closing_stores_what_waits_and_then_refuses(pool, db):
    writer = CommentWriter(pool, tasks=2)
    pending = [asyncio.ensure_future(writer.insert(comment(n), decision(n))) for n in range(10)]
    await asyncio.sleep(0)  # they are queued
    await writer.close()
    assert all(p.done() and not p.exception() for p in pending)
    assert await db.fetchval("SELECT count(*) FROM comments") == 10
    with pytest.raises(RuntimeError, match="closed"):
        await writer.insert(comment(99), decision(99))


# --- checked batches: flood limits and duplicates across the comments of one batch ------


def checks(
    ip_interval: float = 0, email_interval: float = 0, ip_max: int = 0, duplicates: float = 0
) -> Checks:
    return Checks(FloodLimits(ip_interval, email_interval, ip_max, 3600), duplicates, b"test-key")


def sent(n: int, ip: str, **kw: Any) -> Comment:
    return comment(n, client_ip=ipaddress.ip_address(ip), **kw)


async def together(writer: CommentWriter, items: list[tuple[Comment, Checks]]) -> list[Any]:
    return await asyncio.gather(
        *(writer.insert(c, decision(2), Sender.of(ch, c)) for c, ch in items),
        return_exceptions=True,
    )


def statuses(results: list[Any]) -> list[int]:
    return [r.status if isinstance(r, Problem) else 200 for r in results]


async def test_one_address_in_one_batch_gets_one_comment_past_its_interval(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        ch = checks(ip_interval=60)
        results = await together(writer, [(sent(n, "198.51.100.7"), ch) for n in range(5)])
    finally:
        await writer.close()
    assert statuses(results) == [200, 429, 429, 429, 429]
    assert writer.batches < 5
    assert all(0 < int(r.headers["Retry-After"]) <= 60 for r in results[1:])
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
    # The accepted comment marked its address and email; the refused ones marked nothing.
    assert await db.fetchval("SELECT count(*) FROM flood_events") == 2


async def test_the_rate_per_address_counts_the_comments_accepted_earlier_in_the_batch(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        ch = checks(ip_max=2)
        results = await together(writer, [(sent(n, "198.51.100.7"), ch) for n in range(4)])
    finally:
        await writer.close()
    assert statuses(results) == [200, 200, 429, 429]
    assert await db.fetchval("SELECT count(*) FROM comments") == 2


async def test_the_same_comment_twice_in_one_batch_is_stored_once(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        ch = checks(duplicates=3600)
        same = comment(7)
        results = await together(writer, [(same, ch), (same, ch), (comment(8), ch)])
    finally:
        await writer.close()
    assert statuses(results) == [200, 409, 200]
    bodies = sorted(r["body"] for r in await db.fetch("SELECT body FROM comments"))
    assert bodies == sorted([comment(7).body, comment(8).body])


async def test_different_senders_share_a_batch_and_each_is_marked(pool, db):
    writer = CommentWriter(pool, tasks=1)
    try:
        ch = checks(ip_interval=60, email_interval=60, duplicates=3600)
        items = [(sent(n, f"198.51.100.{n + 1}"), ch) for n in range(20)]
        items.append(
            (comment(99), Checks(None, 0, b"test-key"))
        )  # a trusted caller, nothing to check
        results = await together(writer, items)
    finally:
        await writer.close()
    assert statuses(results) == [200] * 21
    assert writer.batches < 21
    assert await db.fetchval("SELECT count(*) FROM comments") == 21
    assert await db.fetchval("SELECT count(*) FROM flood_events") == 40  # address and email
