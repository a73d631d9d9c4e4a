"""SQL for abuse protection: flood marks, duplicate look-ups and idempotency keys.

Checks that must hold across instances run inside the caller's transaction,
behind transaction-scoped advisory locks on their subjects, so two instances
cannot both let through what only one may.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

# The two-key advisory lock space (distinct from the single-key locks of
# migrations and seeding): (LOCK_SPACE, a 32-bit hash of the subject).
LOCK_SPACE = 0x61627573  # "abus"


def subject(key: bytes, kind: str, value: str) -> str:
    """A lockable, storable name for an IP, an email or a comment: no personal data in it.

    Keyed (HMAC-SHA256 under the service's secret key, ops/secret_key.py): a plain hash
    of an IPv4 address is reversed by trying all 2³² of them.
    """
    mac = hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{mac}"


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


async def lock(conn: asyncpg.Connection, subjects: Iterable[str]) -> None:
    """Hold these subjects until the transaction ends; always in one order, so no deadlock.

    One statement for all of them: unnest hands the keys to the lock calls in array order.
    """
    keys = sorted({_lock_key(s) for s in subjects})
    if keys:
        await conn.execute(
            "SELECT count(pg_advisory_xact_lock($1, k)) FROM unnest($2::int[]) AS k",
            LOCK_SPACE,
            keys,
        )


# --- what the database remembers of a sender -----------------------------------------


@dataclass(frozen=True, slots=True)
class FloodMarks:
    """What the database remembers of one sender, as of `now`."""

    now: datetime
    ip_last: datetime | None
    email_last: datetime | None
    ip_recent: list[datetime]  # newest first, at most the rate limit's count, in the window


@dataclass(frozen=True, slots=True)
class Said:
    """A comment, to ask whether its author already said it on its article."""

    site: str
    article: str
    email: str
    body: str
    window: float  # seconds


@dataclass(frozen=True, slots=True)
class Ask:
    """What to look up for one comment (or one sign-in)."""

    ip: str | None  # flood subjects, None for none
    email: str | None
    ip_window: float = 0.0  # the per-IP rate's window and count
    ip_count: int = 1
    said: Said | None = None


# Time bounds are written so that an index scan can use them: `(SELECT clock_timestamp()
# - ...)` is computed once, statement_timestamp() is stable; a bare clock_timestamp() is
# volatile, and filters every row it passes.

# The flood marks and the duplicate look-up of many comments in one round trip. The
# caller holds the locks, and this statement starts after they were granted, so it sees
# what their holders wrote.
_LOOK = """
SELECT statement_timestamp() AS now,
       (SELECT max(at) FROM flood_events WHERE subject = t.ip) AS ip_last,
       (SELECT max(at) FROM flood_events WHERE subject = t.email) AS email_last,
       ARRAY(SELECT at FROM flood_events
             WHERE subject = t.ip
               AND at > statement_timestamp() - make_interval(secs => t.ip_window)
             ORDER BY at DESC LIMIT t.ip_count) AS ip_recent,
       t.said_window > 0 AND EXISTS (
           SELECT 1 FROM comments c
           WHERE c.site = t.site AND lower(c.author_email) = lower(t.said_email)
             AND c.article = t.article
             AND c.body = t.body
             AND c.created_at > statement_timestamp() - make_interval(secs => t.said_window)
       ) AS said_before
FROM unnest($1::text[], $2::text[], $3::double precision[], $4::int[],
            $5::text[], $6::text[], $7::text[], $8::double precision[], $9::text[])
     WITH ORDINALITY AS t(ip, email, ip_window, ip_count, article, said_email, body,
                          said_window, site, ord)
ORDER BY t.ord
"""

# Old marks of the same kinds go in the same statement, at most 500 a time; SKIP LOCKED,
# so concurrent purges never wait on each other.
_MARK = """
WITH purged AS (
    DELETE FROM flood_events WHERE id = ANY (ARRAY (
        SELECT id FROM flood_events
        WHERE at < (SELECT clock_timestamp() - make_interval(secs => $2))
          AND split_part(subject, ':', 1) = ANY ($3::text[])
        ORDER BY at LIMIT 500 FOR UPDATE SKIP LOCKED))
)
INSERT INTO flood_events (subject) SELECT unnest($1::text[])
"""


def _kinds(subjects: list[str]) -> list[str]:
    """ "ip", "email", "signin": each kind keeps its own time, so purges stay in kind."""
    return sorted({s.split(":", 1)[0] for s in subjects})


async def look(
    conn: asyncpg.Connection | asyncpg.Pool, asks: list[Ask]
) -> list[tuple[FloodMarks, bool]]:
    """Per ask, in order: the marks of its subjects, and whether its `said` was said."""
    said = [a.said for a in asks]
    rows = await conn.fetch(
        _LOOK,
        [a.ip for a in asks],
        [a.email for a in asks],
        [a.ip_window for a in asks],
        [a.ip_count for a in asks],
        [s.article if s else "" for s in said],
        [s.email if s else "" for s in said],
        [s.body if s else "" for s in said],
        [s.window if s else 0.0 for s in said],
        [s.site if s else "" for s in said],
    )
    return [
        (
            FloodMarks(r["now"], r["ip_last"], r["email_last"], list(r["ip_recent"])),
            bool(r["said_before"]),
        )
        for r in rows
    ]


async def mark(
    conn: asyncpg.Connection | asyncpg.Pool, subjects: list[str], horizon: float
) -> None:
    """Record an event for these subjects and forget marks of their kinds past `horizon`."""
    await conn.execute(_MARK, subjects, horizon, _kinds(subjects))


async def mark_one(conn: asyncpg.Connection, subject: str, horizon: float) -> int:
    """As `mark`, for one subject; returns the mark's id, so it can be taken back."""
    return int(
        await conn.fetchval(_MARK + " RETURNING id", [subject], horizon, [subject.split(":", 1)[0]])
    )


async def unmark(conn: asyncpg.Connection | asyncpg.Pool, mark_id: int) -> None:
    await conn.execute("DELETE FROM flood_events WHERE id = $1", mark_id)


# --- idempotency keys ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    fingerprint: str
    status: int | None  # None: the first request has not finished
    content_type: str | None
    headers: dict[str, str]
    body: bytes | None


# A key past its time to live is taken over as if new. Waits for a concurrent
# first request with the same key to commit or roll back (the unique index does that).
_CLAIM = """
INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES ($1, $2, $3)
ON CONFLICT (scope, key) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, created_at = clock_timestamp(),
        status = NULL, content_type = NULL, headers = '{}'::jsonb, body = NULL
    WHERE idempotency_keys.created_at < clock_timestamp() - make_interval(secs => $4)
RETURNING true
"""


async def claim_key(
    conn: asyncpg.Connection, scope: str, key: str, fingerprint: str, ttl: float
) -> StoredAnswer | None:
    """None if this request now owns the key; else what the first request left."""
    if await conn.fetchval(_CLAIM, scope, key, fingerprint, ttl):
        await conn.execute(
            """
            DELETE FROM idempotency_keys WHERE (scope, key) IN (
                SELECT scope, key FROM idempotency_keys
                WHERE created_at < clock_timestamp() - make_interval(secs => $1)
                ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED)
            """,
            ttl,
        )
        return None
    row = await conn.fetchrow(
        """
        SELECT fingerprint, status, content_type, headers, body
        FROM idempotency_keys WHERE scope = $1 AND key = $2
        """,
        scope,
        key,
    )
    assert row is not None  # the conflicting row is locked by the claim above
    return StoredAnswer(
        row["fingerprint"], row["status"], row["content_type"], dict(row["headers"]), row["body"]
    )


async def store_answer(
    conn: asyncpg.Connection,
    scope: str,
    key: str,
    *,
    status: int,
    content_type: str | None,
    headers: dict[str, Any],
    body: bytes,
) -> None:
    await conn.execute(
        """
        UPDATE idempotency_keys SET status = $3, content_type = $4, headers = $5, body = $6
        WHERE scope = $1 AND key = $2
        """,
        scope,
        key,
        status,
        content_type,
        headers,
        body,
    )
