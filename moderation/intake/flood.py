"""Flood control: how often one address or email may comment, and sign-in failures.

`flood_verdict` is a pure function of the marks the store reports; the limits
hold across instances because the callers lock and mark the subjects in the
transaction that stores the comment (intake/verdicts.py).
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from moderation.problems import Problem
from moderation.settings import Settings
from moderation.store import abuse as abuse_store

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """0 turns a limit off."""

    ip_interval: float = 0
    email_interval: float = 0
    ip_max: int = 0
    ip_window: float = 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> FloodLimits:
        return cls(
            ip_interval=settings.flood_ip_interval_seconds,
            email_interval=settings.flood_email_interval_seconds,
            ip_max=settings.flood_ip_max,
            ip_window=settings.flood_ip_window_seconds,
        )

    @classmethod
    def for_signin(cls, settings: Settings) -> FloodLimits:
        """Failed desk sign-ins from one address, counted like comments."""
        return cls(ip_max=settings.signin_max_failures, ip_window=settings.signin_window_seconds)

    @property
    def active(self) -> bool:
        return bool(self.ip_interval or self.email_interval or self.ip_max)

    @property
    def horizon(self) -> float:
        """How long a mark matters to any limit."""
        return max(self.ip_interval, self.email_interval, self.ip_window if self.ip_max else 0)


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    retry_after: int  # whole seconds, at least 1


def _wait(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def flood_verdict(marks: abuse_store.FloodMarks, limits: FloodLimits) -> Refusal | None:
    """The longest wait any limit asks for, or None if the comment may go in."""
    waits: list[Refusal] = []
    now = marks.now
    if limits.ip_interval and marks.ip_last is not None:
        until = marks.ip_last + timedelta(seconds=limits.ip_interval)
        if until > now:
            waits.append(Refusal("comments from this address come too fast", _wait(until, now)))
    if limits.email_interval and marks.email_last is not None:
        until = marks.email_last + timedelta(seconds=limits.email_interval)
        if until > now:
            waits.append(Refusal("comments from this email come too fast", _wait(until, now)))
    if limits.ip_max and len(marks.ip_recent) >= limits.ip_max:
        # The oldest of the last `ip_max` marks must leave the window first.
        until = marks.ip_recent[limits.ip_max - 1] + timedelta(seconds=limits.ip_window)
        if until > now:
            waits.append(
                Refusal(
                    f"more than {limits.ip_max} comments from this address in "
                    f"{limits.ip_window:g} seconds",
                    _wait(until, now),
                )
            )
    return max(waits, key=lambda r: r.retry_after, default=None)


def too_many(refusal: Refusal) -> Problem:
    return Problem(
        429,
        "Too many comments",
        f"Slow down: {refusal.reason}. Try again in {refusal.retry_after} seconds.",
        headers={"Retry-After": str(refusal.retry_after)},
        extra={"retry_after": refusal.retry_after},
    )


async def address_turn(
    conn: asyncpg.Connection,
    settings: Settings,
    key: bytes,
    kind: str,
    ip: IPAddress | None,
    *,
    interval: bool = True,
) -> None:
    """A reader's action other than a comment (a flag, a deletion, an appeal): the address
    limits of comments, counted under their own `kind`; raises the 429. `interval=False`
    keeps only the count per window (a reader tidying their comments acts in a row). Call
    in the transaction that records the action, so concurrent ones count one at a time."""
    every = FloodLimits.from_settings(settings)  # no email here: the address limits
    limits = FloodLimits(
        ip_interval=every.ip_interval if interval else 0,
        ip_max=every.ip_max,
        ip_window=every.ip_window,
    )
    if ip is None or not limits.active:
        return
    subject = abuse_store.subject(key, kind, str(ip))
    await abuse_store.lock(conn, [subject])
    [(marks, _)] = await abuse_store.look(
        conn, [abuse_store.Ask(subject, None, limits.ip_window, max(limits.ip_max, 1))]
    )
    if (refusal := flood_verdict(marks, limits)) is not None:
        raise too_many(refusal)
    await abuse_store.mark(conn, [subject], limits.horizon)


# --- desk sign-in ---------------------------------------------------------------------


def _signin_subject(key: bytes, ip: IPAddress | None) -> str | None:
    return abuse_store.subject(key, "signin", str(ip)) if ip is not None else None


async def signin_attempt(
    pool: asyncpg.Pool, settings: Settings, key: bytes, ip: IPAddress | None
) -> tuple[Refusal | None, int | None]:
    """Count a sign-in attempt as a failure before its token is looked at.

    Per address, the count and the mark happen under one lock, so concurrent
    attempts cannot all see the same count: of 40 at once with 10 allowed, 10
    go on and 30 are refused. Returns (a refusal, None) when the address has
    used up its failures, else (None, the id of this attempt's mark, or None
    when the limit is off); a good sign-in takes its mark back with
    `signin_succeeded`.
    """
    limits = FloodLimits.for_signin(settings)
    subject = _signin_subject(key, ip)
    if not limits.active or subject is None:
        return None, None
    async with pool.acquire() as conn, conn.transaction():
        await abuse_store.lock(conn, [subject])
        [(marks, _)] = await abuse_store.look(
            conn, [abuse_store.Ask(subject, None, limits.ip_window, limits.ip_max)]
        )
        refusal = flood_verdict(marks, limits)
        if refusal is not None:
            return Refusal("too many failed sign-ins from this address", refusal.retry_after), None
        return None, await abuse_store.mark_one(conn, subject, limits.horizon)


async def signin_succeeded(pool: asyncpg.Pool, mark: int | None) -> None:
    """A good token: its attempt is not a failure."""
    if mark is not None:
        await abuse_store.unmark(pool, mark)
