"""Group commit (moderation/writer.py): many comments, one statement, each answered with
its own id, only after the commit; a bad comment never fails its neighbours. Real
PostgreSQL, real pool."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import asyncpg
import pytest

from moderation.domain import Comment, Decision, Rejection, Status
from moderation.errors import DATABASE_DOWN
from moderation.store.db import create_pool
from moderation.writer import CommentWriter

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
