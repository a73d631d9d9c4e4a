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

import asyncio
import logging
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from moderation.domain import Comment, Facts
from moderation.intake.articles import Admission, admission_of
from moderation.store import comments as comment_store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Known:
    admission: Admission
    parent_status: str | None  # None: no such parent on the article (or no parent asked)
    facts: Facts


@dataclass(frozen=True, slots=True)
class _Waiting:
    comment: Comment
    author: bool
    done: asyncio.Future[Known]


class FactsReader:
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
        self._pool = pool
        self._confirmed_only = confirmed_only
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"facts-reader-{i}") for i in range(tasks)
        ]
        self.batches = 0  # statements run, for tests and benchmarks

    async def look_up(self, comment: Comment, author: bool) -> Known:
        """What the database knows about `comment`; its author's record only if `author`."""
        if not self._tasks:
            raise RuntimeError("the facts reader is closed")
        done: asyncio.Future[Known] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(comment, author, done))
        return await done

    async def close(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        while not self._queue.empty():
            _fail(self._queue.get_nowait(), RuntimeError("the service is stopping"))

    async def _run(self) -> None:
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self._max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                rows = await _known_many(
                    self._pool, [(w.comment, w.author) for w in batch], self._confirmed_only
                )
            except Exception as exc:  # the database's failure is each waiting request's
                for w in batch:
                    _fail(w, exc)
                continue
            self.batches += 1
            for w, row in zip(batch, rows, strict=True):
                if not w.done.done():
                    w.done.set_result(row)


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


def _fail(waiting: _Waiting, exc: BaseException) -> None:
    if not waiting.done.done():
        waiting.done.set_exception(exc)


READER = web.AppKey("facts_reader", FactsReader)
