"""Group look-up: what the database knows about comments submitted at the same moment.

Before a comment is decided the service needs its article's state (open,
premoderated, closed), for a reply its parent's status, and, when the decision
may hang on it, whether its author already has approved comments. That took one
or two round trips per comment, and a round trip's Python (the pool, asyncpg's
protocol) was about a quarter of a submission's CPU in the service. As in the
writer (writer.py), each of a few reader tasks takes every look-up waiting, up
to a batch, and answers them all with one statement (`store/comments.known_many`);
with nothing else waiting a look-up goes alone, at once.

The author's record is read with the rest whenever it may count (the site
trusts known authors and the comment has an email): `policy.decide` reads it
only for a comment it would otherwise hold, so the decision is the one the
look-up after scoring used to give.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from moderation.domain import Comment, Facts
from moderation.intake.articles import Admission, admission_of
from moderation.intake.batches import Batcher
from moderation.store import comments as comment_store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Known:
    admission: Admission
    parent_status: str | None  # None: no such parent on the article (or no parent asked)
    facts: Facts


class FactsReader:
    """Look-ups waiting at the same moment answered by one statement (a `Batcher` whose
    "store" is a read: a failed batch is asked again one comment at a time)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        tasks: int = 2,
        max_batch: int = 64,
        confirmed_only: bool = False,
    ) -> None:
        """`confirmed_only`: an author's record counts only with a confirmed address (the
        service sends confirmation mail: ops/mail.py)."""
        if tasks < 1 or max_batch < 1:
            raise ValueError("a reader needs at least one task and a batch of one")

        async def read(asked: list[tuple[Comment, bool]]) -> list[Known]:
            return await _known_many(pool, asked, confirmed_only)

        self._batcher = Batcher(read, tasks=tasks, max_batch=max_batch, name="facts reader")

    @property
    def batches(self) -> int:
        """Statements run, for tests and benchmarks."""
        return self._batcher.batches

    async def look_up(self, comment: Comment, author: bool) -> Known:
        """What the database knows about `comment`; its author's record only if `author`."""
        return await self._batcher.submit((comment, author))

    async def close(self) -> None:
        await self._batcher.close()


async def _known_many(
    pool: asyncpg.Pool, asked: list[tuple[Comment, bool]], confirmed_only: bool
) -> list[Known]:
    rows = await comment_store.known_many(pool, asked, confirmed_only=confirmed_only)
    return [
        Known(
            admission_of(row if row["state"] is not None else None),
            row["parent_status"],
            Facts(author_has_approved=bool(row["author_has_approved"])),
        )
        for row in rows
    ]


READER = web.AppKey("facts_reader", FactsReader)
