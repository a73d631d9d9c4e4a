"""A small group-commit writer: items waiting at the same moment are stored by one call.

Each of a few tasks takes everything waiting, up to a batch, and hands the lot to
`store` (one multi-row INSERT); each waiter gets its own result once the batch has
committed. Nobody waits for a batch to fill. A failed batch is tried again one item
at a time, so one bad item never fails its neighbours. The comment writer
(intake/writer.py) does the same with flood and duplicate checks on top; this one
serves what has no such checks (Akismet's comment-checks), and the facts look-ups
(intake/lookups.py), whose "store" is a read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from moderation.problems import DATABASE_DOWN

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
CLOSE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class _Waiting(Generic[T, R]):
    item: T
    done: asyncio.Future[R]


class Batcher(Generic[T, R]):
    def __init__(
        self,
        store: Callable[[list[T]], Awaitable[list[R]]],
        *,
        tasks: int = 2,
        max_batch: int = 64,
        name: str = "batcher",
    ) -> None:
        self._store_many = store
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Waiting[T, R]] = asyncio.Queue()
        self._name = name
        self._tasks = [
            asyncio.create_task(self._run(), name=f"{name}-{i}") for i in range(max(1, tasks))
        ]
        self.batches = 0

    async def submit(self, item: T) -> R:
        """Store `item`; returns its result once committed."""
        if not self._tasks:
            raise RuntimeError(f"the {self._name} is closed")
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(item, done))
        return await done

    async def close(self) -> None:
        try:
            async with asyncio.timeout(CLOSE_SECONDS):
                await self._queue.join()
        except TimeoutError:
            log.warning("%s closed with %d items unwritten", self._name, self._queue.qsize())
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

    async def _store(self, batch: list[_Waiting[T, R]]) -> None:
        try:
            results = await self._store_many([w.item for w in batch])
        except DATABASE_DOWN as exc:
            for w in batch:
                _fail(w, exc)
            return
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0], exc)
                return
            log.warning("%s: a batch of %d failed (%s)", self._name, len(batch), type(exc).__name__)
            for w in batch:
                await self._store([w])
            return
        self.batches += 1
        for w, result in zip(batch, results, strict=True):
            if not w.done.done():
                w.done.set_result(result)


def _fail(waiting: _Waiting[T, R], exc: BaseException) -> None:
    if not waiting.done.done():
        waiting.done.set_exception(exc)
