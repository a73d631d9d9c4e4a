"""Read replicas: which pool a public read goes to, and how far behind each replica is.

Public reads (article pages) may go to a streaming standby; everything else
goes to the primary. A replica is used only while it answers and lags no more
than `max_lag` seconds; otherwise reads fall back to the primary.

Lag is measured in time without writing anything: every `check` notes the
time and then the primary's WAL insert position; a replica that has replayed
up to a noted position holds every transaction committed before that time.
So each replica has a `complete_before` (the latest such time) and its lag is
`now - complete_before`: an idle replica that has replayed everything lags 0,
and one whose replay stopped falls behind second by second.

The same figure makes the page cache safe: a page of an article changed at
time t may be filled from a replica only if that replica is complete before t
(ops/pages.py), or it could cache the page as it was before the change.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

log = logging.getLogger(__name__)

T = TypeVar("T")

_PRIMARY_POSITION = "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint"
# A promoted replica is no longer in recovery: its own position is then complete.
_REPLAYED = """
SELECT pg_wal_lsn_diff(
    CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
    '0/0')::bigint
"""
# Connection failures, time-outs and a server shutting down: a replica that fails so is
# set aside until the next check finds it well.
UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
)


@dataclass(slots=True)
class Replica:
    name: str  # host:port/database, never the password
    pool: asyncpg.Pool
    up: bool = False
    complete_before: float = float("-inf")  # time.monotonic()

    def lag(self, now: float) -> float:
        return now - self.complete_before


@dataclass(slots=True)
class Reads:
    """The primary pool and the replicas, with the rule that picks one for a read."""

    primary: asyncpg.Pool
    replicas: list[Replica] = field(default_factory=list)
    max_lag: float = 5.0
    # (time, primary position) samples, oldest first; a few minutes of them at most.
    _marks: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=600))
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    def pool_for(self, changed_at: float | None = None) -> asyncpg.Pool:
        """A replica that lags little and holds every change made before `changed_at`
        (time.monotonic()), in turn; else the primary."""
        now = time.monotonic()
        fit = [
            r
            for r in self.replicas
            if r.up
            and r.lag(now) <= self.max_lag
            and (changed_at is None or r.complete_before > changed_at)
        ]
        if not fit:
            return self.primary
        return fit[next(self._turn) % len(fit)].pool

    async def read(
        self, work: Callable[[asyncpg.Pool], Awaitable[T]], changed_at: float | None = None
    ) -> T:
        """Run a read on a fitting pool; a replica that fails to answer gives way to the
        primary at once, and is not asked again until a check finds it well."""
        pool = self.pool_for(changed_at)
        if pool is self.primary:
            return await work(pool)
        try:
            return await work(pool)
        except (*UNAVAILABLE, asyncpg.PostgresError) as exc:
            # Anything else a replica may say (a query cancelled by a conflict with
            # recovery, say) is worth asking the primary too, but leaves the replica up.
            if isinstance(exc, UNAVAILABLE):
                for r in self.replicas:
                    if r.pool is pool:
                        r.up = False
            log.warning("a replica read failed (%s); reading from the primary", type(exc).__name__)
            return await work(self.primary)

    async def check(self, wait: float = 2.0) -> None:
        """Note the primary's position now, then see how far each replica has replayed."""
        if not self.replicas:
            return
        try:
            at = time.monotonic()
            position = await self.primary.fetchval(_PRIMARY_POSITION, timeout=wait)
            self._marks.append((at, int(position)))
        except (*UNAVAILABLE, asyncpg.PostgresError) as exc:
            log.warning("replica check: the primary did not answer (%s)", type(exc).__name__)
        await asyncio.gather(*(self._check_one(r, wait) for r in self.replicas))

    async def _check_one(self, replica: Replica, wait: float) -> None:
        try:
            replayed = int(await replica.pool.fetchval(_REPLAYED, timeout=wait))
        except (*UNAVAILABLE, asyncpg.PostgresError) as exc:
            if replica.up:
                log.warning("replica %s is unavailable (%s)", replica.name, type(exc).__name__)
            replica.up = False
            return
        for at, position in reversed(self._marks):
            if position <= replayed:
                replica.complete_before = max(replica.complete_before, at)
                break
        if not replica.up:
            log.info("replica %s is available", replica.name)
        replica.up = True

    async def close(self) -> None:
        await asyncio.gather(*(r.pool.close() for r in self.replicas))
