"""Group commit: comments submitted at the same moment are checked and stored together.

A decided submission hands its comment to the writer and waits. Each of a few
writer tasks takes everything waiting, up to a batch, and handles the lot in
one transaction: lock every sender's subjects (one statement), look up their
flood marks and earlier identical comments (one), mark the senders of those
accepted (one), and store the accepted comments with one multi-row INSERT.
That is the same five round trips one comment used to take, for the whole
batch; a batch with nothing to check is a single INSERT. Nobody waits for a
batch to fill: with nothing else waiting a comment goes alone, at once. The
promise holds: a submission is answered only after its comment is committed;
a refused one gets its 429 or 409, and its sender is not marked.

A batch that fails for a reason other than the database being away (a parent
deleted meanwhile, say) is handled again one comment at a time, so one bad
comment never fails its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from moderation.domain import Comment, Decision
from moderation.intake import verdicts
from moderation.problems import DATABASE_DOWN, Problem
from moderation.store import comments as comment_store

log = logging.getLogger(__name__)

# By the time the app closes, aiohttp has let requests in flight finish; this bounds
# the wait should the database hang.
CLOSE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _Waiting:
    comment: Comment
    decision: Decision
    sender: verdicts.Sender
    done: asyncio.Future[comment_store.Stored]


class CommentWriter:
    def __init__(self, pool: asyncpg.Pool, *, tasks: int = 4, max_batch: int = 64) -> None:
        if tasks < 1 or max_batch < 1:
            raise ValueError("a writer needs at least one task and a batch of one")
        self._pool = pool
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"comment-writer-{i}") for i in range(tasks)
        ]
        self.batches = 0  # statements run, for tests and benchmarks
        self.stored = 0

    async def insert(
        self, comment: Comment, decision: Decision, sender: verdicts.Sender = verdicts.UNCHECKED
    ) -> comment_store.Stored:
        """Check the comment as `sender` says, then store it; returns once it is committed.
        Raises the 429 or 409 Problem of a refused comment."""
        if not self._tasks:
            raise RuntimeError("the comment writer is closed")
        done: asyncio.Future[comment_store.Stored] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(comment, decision, sender, done))
        # A caller cancelled meanwhile cancels only its wait: the comment is still stored.
        return await done

    async def close(self) -> None:
        """Store what is waiting (for a bounded time), then stop the tasks."""
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await self._queue.join()
        except TimeoutError:
            log.warning("comment writer closed with %d comments unwritten", self._queue.qsize())
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
                await self._store(batch)
            finally:
                for _ in batch:
                    queue.task_done()

    async def _store(self, batch: list[_Waiting]) -> None:
        outcomes: Sequence[comment_store.Stored | Problem]
        try:
            if any(w.sender.locks for w in batch):
                outcomes = await self._checked(batch)
            else:
                outcomes = await comment_store.insert_many(
                    self._pool, [(w.comment, w.decision) for w in batch]
                )
        except DATABASE_DOWN as exc:
            for w in batch:
                _fail(w, exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0], exc)
                return
            log.warning(
                "a batch of %d comments failed (%s); storing them one by one",
                len(batch),
                type(exc).__name__,
            )
            for w in batch:
                await self._store([w])
            return
        self.batches += 1
        for w, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Problem):
                _fail(w, outcome)
            else:
                self.stored += 1
                if not w.done.done():
                    w.done.set_result(outcome)

    async def _checked(self, batch: list[_Waiting]) -> list[comment_store.Stored | Problem]:
        senders = [w.sender for w in batch]
        async with self._pool.acquire() as conn, conn.transaction():
            problems = await verdicts.check_all(conn, senders)
            pairs = zip(batch, problems, strict=True)
            accepted = [(w.comment, w.decision) for w, p in pairs if p is None]
            stored = iter(await comment_store.insert_many(conn, accepted))
        return [p if p is not None else next(stored) for p in problems]


def _fail(waiting: _Waiting, exc: BaseException) -> None:
    if not waiting.done.done():
        waiting.done.set_exception(exc)


WRITER = web.AppKey("writer", CommentWriter)
