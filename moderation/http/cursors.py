"""One cursor codec: a page's position as URL-safe base64 of JSON, unpadded.

The public list's cursor is an offset id (`42` → `NDI`), the queue's a keyset
(`["oldest", "2024-…", 42]`); both are opaque to clients, and anything this
service did not give out is a 400.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

import orjson

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
    if value < 0:
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
        if kind != order or not isinstance(id_, int):
            raise ValueError
        key: Any = datetime.fromisoformat(value) if order == "oldest" else float(value)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise _malformed() from None
    return key, id_
