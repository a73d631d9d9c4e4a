"""Logging errors without the personal data they carry.

An unexpected error is logged with its stack (file, line, code) and its
type, never its message: asyncpg's messages carry the failing row ("Failing
row contains (…, dana@example.org, 192.0.2.1, Mozilla/5.0 …)") or the value of
a query argument. For a database error the SQLSTATE, table, column and
constraint are kept; they say what broke without saying whose data it was.

aiohttp logs every malformed request with a full traceback at error level
and the client's address; `QuietMalformedRequests` turns those into one line
at info level, without the address, so a client cannot flood the log.
"""

from __future__ import annotations

import logging
import traceback

import asyncpg
from aiohttp.http_exceptions import HttpProcessingError

_PG_FIELDS = ("sqlstate", "schema_name", "table_name", "column_name", "constraint_name")


def _name(exc: BaseException) -> str:
    kind = type(exc)
    if isinstance(exc, asyncpg.PostgresError):
        facts = [f"{f}={getattr(exc, f)}" for f in _PG_FIELDS if getattr(exc, f, None)]
        return f"{kind.__module__}.{kind.__qualname__}({', '.join(facts)})"
    return f"{kind.__module__}.{kind.__qualname__}"


def summary(exc: BaseException) -> str:
    """The error's type (and a database error's location), without its message."""
    return _name(exc)


def redacted_traceback(exc: BaseException) -> str:
    """The stack of `exc` and of what caused it, as `traceback` prints it, minus messages."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for e in reversed(chain):  # the first cause first, as Python prints them
        frames = "".join(traceback.format_tb(e.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{_name(e)} (message withheld)")
    return "\n\nwhich led to:\n\n".join(parts)


class QuietMalformedRequests(logging.Filter):
    """On `aiohttp.server`: malformed requests are one info line; no client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Error handling request"):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg = "malformed request refused: %s (%s)"
            record.args = (type(exc).__name__, exc.code)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
            return True
        record.msg = "Error handling request"
        record.args = ()
        if exc is not None:  # an error of aiohttp's own: keep it, without the message
            record.msg = "Error handling request: %s\n%s"
            record.args = (summary(exc), redacted_traceback(exc))
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_malformed_requests() -> None:
    """Install the filter once (create_app calls this for every app it makes)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, QuietMalformedRequests) for f in logger.filters):
        logger.addFilter(QuietMalformedRequests())
