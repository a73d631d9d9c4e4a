"""Guards on the public submission path: flood control, duplicates, idempotent retries.

Each verdict is a pure function of what the store reports (`flood_verdict`,
`replay_verdict`); the async functions around them do the I/O inside the
caller's transaction, so the limits hold across instances: the subjects are
locked until the comment is stored (or the transaction rolls back), counted,
and marked in one go.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from moderation.domain import Comment
from moderation.problems import Problem
from moderation.settings import Settings
from moderation.store import abuse as store

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# --- flood control and duplicates ----------------------------------------------------


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


def flood_verdict(marks: store.FloodMarks, limits: FloodLimits) -> Refusal | None:
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


@dataclass(frozen=True, slots=True)
class Checks:
    """What a submission is checked against before it is stored."""

    flood: FloodLimits | None  # None: a trusted caller, whom flood limits do not hold
    duplicate_window: float  # seconds; 0: duplicates are not looked for

    @classmethod
    def from_settings(cls, settings: Settings, *, trusted: bool) -> Checks:
        return cls(
            flood=None if trusted else FloodLimits.from_settings(settings),
            duplicate_window=settings.duplicate_window_seconds,
        )


def duplicate() -> Problem:
    return Problem(
        409,
        "Duplicate comment",
        "It looks as though you have already said that.",
        kind="duplicate",
    )


@dataclass(frozen=True, slots=True)
class Sender:
    """What the checks lock, look up and mark for one comment."""

    flood: FloodLimits | None  # the limits that hold for it, None if none do
    ask: store.Ask
    said_lock: str | None  # the duplicate check's lock subject

    @classmethod
    def of(cls, checks: Checks, comment: Comment) -> Sender:
        flood = checks.flood if checks.flood is not None and checks.flood.active else None
        ip = email = None
        if flood is not None:
            ip = store.subject("ip", str(comment.client_ip)) if comment.client_ip else None
            if comment.email.strip():
                email = store.subject("email", comment.email.lower())
        said = said_lock = None
        if checks.duplicate_window:
            said = store.Said(comment.article, comment.email, comment.body, checks.duplicate_window)
            # Two identical submissions at once: the second waits, then sees the first.
            said_lock = store.subject(
                "said", "\x1f".join((comment.article, comment.email.lower(), comment.body))
            )
        ask = store.Ask(
            ip,
            email,
            flood.ip_window if flood else 0.0,
            max(flood.ip_max, 1) if flood else 1,
            said,
        )
        return cls(flood, ask, said_lock)

    @property
    def marks(self) -> list[str]:
        """The subjects an accepted comment marks."""
        return [s for s in (self.ask.ip, self.ask.email) if s is not None]

    @property
    def locks(self) -> list[str]:
        return self.marks + ([self.said_lock] if self.said_lock else [])


# A comment with nothing to check: a trusted caller with the duplicate window off.
UNCHECKED = Sender(None, store.Ask(None, None), None)


def verdicts(
    senders: list[Sender], looks: list[tuple[store.FloodMarks, bool]]
) -> list[Problem | None]:
    """429, 409 or None (accepted) per comment, in order. A comment accepted earlier in
    the same batch counts as a mark made now and as something already said."""
    ip_taken: dict[str, int] = {}
    emails: set[str] = set()
    said: set[str] = set()
    out: list[Problem | None] = []
    for sender, (marks, said_before) in zip(senders, looks, strict=True):
        ask, problem = sender.ask, None
        if sender.flood is not None:
            n = ip_taken.get(ask.ip, 0) if ask.ip else 0
            marks = store.FloodMarks(
                marks.now,
                marks.now if n else marks.ip_last,
                marks.now if ask.email in emails else marks.email_last,
                [marks.now] * n + marks.ip_recent,
            )
            if (refusal := flood_verdict(marks, sender.flood)) is not None:
                problem = too_many(refusal)
        if problem is None and sender.said_lock and (said_before or sender.said_lock in said):
            problem = duplicate()
        if problem is None:
            if ask.ip:
                ip_taken[ask.ip] = ip_taken.get(ask.ip, 0) + 1
            if ask.email:
                emails.add(ask.email)
            if sender.said_lock:
                said.add(sender.said_lock)
        out.append(problem)
    return out


async def check_all(conn: asyncpg.Connection, senders: list[Sender]) -> list[Problem | None]:
    """The verdicts for comments about to be stored in the caller's transaction, and the
    marks of those accepted (kept if it commits). Three round trips for any number of
    comments: lock every subject, look them all up, mark."""
    locks = [subject for s in senders for subject in s.locks]
    if not locks:
        return [None] * len(senders)
    await store.lock(conn, locks)
    problems = verdicts(senders, await store.look(conn, [s.ask for s in senders]))
    accepted = [s for s, p in zip(senders, problems, strict=True) if p is None]
    subjects = [m for s in accepted for m in s.marks]
    if subjects:
        horizon = max(s.flood.horizon for s in accepted if s.flood is not None)
        await store.mark(conn, subjects, horizon)
    return problems


async def check(conn: asyncpg.Connection, checks: Checks, comment: Comment) -> None:
    """429 if the sender is over a flood limit, 409 if they said this already on the
    article within the window; else the sender is marked (kept if the comment commits)."""
    [problem] = await check_all(conn, [Sender.of(checks, comment)])
    if problem is not None:
        raise problem


# --- desk sign-in ---------------------------------------------------------------------


def _signin_limits(settings: Settings) -> FloodLimits:
    return FloodLimits(
        ip_max=settings.signin_max_failures, ip_window=settings.signin_window_seconds
    )


def _signin_subject(ip: IPAddress | None) -> str | None:
    return store.subject("signin", str(ip)) if ip is not None else None


async def signin_refusal(
    conn: asyncpg.Connection | asyncpg.Pool, settings: Settings, ip: IPAddress | None
) -> Refusal | None:
    """Too many failed sign-ins from this address within the window: how long to wait."""
    limits = _signin_limits(settings)
    subject = _signin_subject(ip)
    if not limits.active or subject is None:
        return None
    [(marks, _)] = await store.look(
        conn, [store.Ask(subject, None, limits.ip_window, limits.ip_max)]
    )
    refusal = flood_verdict(marks, limits)
    if refusal is None:
        return None
    return Refusal("too many failed sign-ins from this address", refusal.retry_after)


async def signin_failed(
    conn: asyncpg.Connection | asyncpg.Pool, settings: Settings, ip: IPAddress | None
) -> None:
    limits = _signin_limits(settings)
    subject = _signin_subject(ip)
    if limits.active and subject is not None:
        await store.mark(conn, [subject], limits.horizon)


# --- idempotent retries --------------------------------------------------------------

MAX_KEY_CHARS = 255


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as plain values, so it can be stored and given again."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    scope: str  # whose key: a token, or a client address
    key: str
    fingerprint: str  # what was asked, to tell a retry from a different request


def idempotency_key(
    header: str | None, *, token_id: int | None, ip: IPAddress | None, request: dict[str, Any]
) -> IdempotencyKey | None:
    """The request's Idempotency-Key, scoped to its sender; 400 if it is malformed."""
    if header is None:
        return None
    key = header.strip().strip('"')  # the IETF draft sends it as a quoted string
    if not key or len(key) > MAX_KEY_CHARS or not all(" " <= ch <= "~" for ch in key):
        raise Problem(
            400,
            "Malformed Idempotency-Key",
            f"The Idempotency-Key header must be 1 to {MAX_KEY_CHARS} visible ASCII characters.",
        )
    if token_id is not None:
        scope = f"token:{token_id}"
    else:
        scope = store.subject("ip", str(ip) if ip is not None else "unknown")
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return IdempotencyKey(scope, key, hashlib.sha256(canonical.encode()).hexdigest())


def replay_verdict(found: store.StoredAnswer, key: IdempotencyKey) -> Answer:
    """The first answer for a true retry; 422 for a different request, 409 if unfinished."""
    if found.fingerprint != key.fingerprint:
        # As the IETF Idempotency-Key draft advises (Stripe answers 400 here).
        raise Problem(
            422,
            "Idempotency key reused",
            "This Idempotency-Key was already used for a different request.",
            kind="idempotency-key-reused",
        )
    if found.status is None or found.body is None:
        raise Problem(
            409,
            "Request in progress",
            "A request with this Idempotency-Key is still being processed.",
            headers={"Retry-After": "1"},
        )
    headers = {**found.headers, "Idempotent-Replayed": "true"}
    return Answer(found.status, found.body, found.content_type, headers)


async def replay(conn: asyncpg.Connection, key: IdempotencyKey, ttl: float) -> Answer | None:
    """The first answer if this is a retry; None if this request is the first (key claimed)."""
    found = await store.claim_key(conn, key.scope, key.key, key.fingerprint, ttl)
    return None if found is None else replay_verdict(found, key)


async def remember(conn: asyncpg.Connection, key: IdempotencyKey, answer: Answer) -> None:
    await store.store_answer(
        conn,
        key.scope,
        key.key,
        status=answer.status,
        content_type=answer.content_type,
        headers=answer.headers,
        body=answer.body,
    )
