"""One cursor codec: a page's position as URL-safe base64 of JSON, unpadded.

The public list's cursor is an offset id (`42` → `NDI`), the queue's a keyset
(`["oldest", "2024-…", 42]`); both are opaque to clients, and anything this
service did not give out is a 400. Decoding checks every value against what
the database can hold (ids are bigints, dates carry a zone and stay within
years 1 to 9999 in UTC, scores are finite), because a client can re-encode a
cursor, and a value PostgreSQL or asyncpg refuses would otherwise be a 500.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from typing import Any

import orjson

from moderation.http.schemas import ID_MAX
from moderation.problems import Problem


def _malformed() -> Problem:
    return Problem(400, "Malformed cursor", "The cursor is not one this service gave out.")


def encode(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4))


def decode_after(cursor: str | None) -> int:
    """The id a page of the public list starts after; 0 for the first page."""
    if not cursor:
        return 0
    try:
        value = int(_raw(cursor).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _malformed() from None
    if not 0 <= value <= ID_MAX:
        raise _malformed()
    return value


def encode_key(order: str, key: Any, id_: int) -> str:
    """The queue's keyset position: the order, its sort key, and the id that breaks ties."""
    return encode([order, key.isoformat() if isinstance(key, datetime) else key, id_])


def decode_key(cursor: str | None, order: str) -> tuple[Any, int] | None:
    if not cursor:
        return None
    try:
        kind, value, id_ = orjson.loads(_raw(cursor))
        if kind != order or type(id_) is not int or not 0 <= id_ <= ID_MAX:
            raise ValueError
        key: Any = _instant(value) if order == "oldest" else _score(value)
    except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
        raise _malformed() from None
    return key, id_


def _instant(value: Any) -> datetime:
    """A zoned time that stays a valid datetime in UTC (asyncpg converts to UTC)."""
    if not isinstance(value, str):
        raise TypeError
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError
    return moment.astimezone(UTC)  # OverflowError past year 9999 or before year 1


def _score(value: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError
    score = float(value)
    if not math.isfinite(score):
        raise ValueError
    return score
