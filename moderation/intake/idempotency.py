"""Idempotent retries: a request with an Idempotency-Key is answered once, then replayed."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from moderation.problems import Problem
from moderation.store import abuse as abuse_store

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

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
    header: str | None,
    *,
    token_id: int | None,
    ip: IPAddress | None,
    request: dict[str, Any],
    secret: bytes,
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
        scope = abuse_store.subject(secret, "ip", str(ip) if ip is not None else "unknown")
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    # Keyed too: the request holds the reader's name, email and text.
    fingerprint = hmac.new(secret, canonical.encode(), hashlib.sha256).hexdigest()
    return IdempotencyKey(scope, key, fingerprint)


def replay_verdict(found: abuse_store.StoredAnswer, key: IdempotencyKey) -> Answer:
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
    found = await abuse_store.claim_key(conn, key.scope, key.key, key.fingerprint, ttl)
    return None if found is None else replay_verdict(found, key)


async def remember(conn: asyncpg.Connection, key: IdempotencyKey, answer: Answer) -> None:
    await abuse_store.store_answer(
        conn,
        key.scope,
        key.key,
        status=answer.status,
        content_type=answer.content_type,
        headers=answer.headers,
        body=answer.body,
    )
