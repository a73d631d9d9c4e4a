"""Problems a client should see: one error type for every layer (RFC 9457's fields).

Services raise `Problem` (or `FieldErrors`) with a status and a title; the
entry points turn it into `application/problem+json` (http/errors.py) or an
error page (web/render.py). Plain values: no request, no handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson
from aiohttp import web
from pydantic import ValidationError

PROBLEM_BASE = "https://moderation.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error with an HTTP status that a client should see as problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str | None = None,
        errors: Sequence[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind or _default_kind(status)
        self.errors = list(errors or [])
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            doc["detail"] = self.detail
        if self.errors:
            doc["errors"] = self.errors
        doc.update(self.extra)
        return doc

    def response(self) -> web.Response:
        return web.Response(
            status=self.status,
            body=orjson.dumps(self.body()),
            content_type=PROBLEM_CONTENT_TYPE,
            headers=self.headers,
        )


_KINDS = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
    503: "unavailable",
}


def _default_kind(status: int) -> str:
    return _KINDS.get(status, "error")


class FieldErrors(Problem):
    """422 with a list of field problems, the shape every form and API shares."""

    def __init__(self, errors: Sequence[dict[str, str]], title: str = "Invalid comment") -> None:
        n = len(errors)
        super().__init__(
            422,
            title,
            f"{n} field{'s are' if n != 1 else ' is'} invalid",
            kind="validation",
            errors=errors,
        )


def field_errors_from(exc: ValidationError) -> list[dict[str, str]]:
    """Pydantic's errors as `{"field", "message"}` pairs, in the order of the model."""
    out: list[dict[str, str]] = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"] if p != "__root__"]
        field = ".".join(loc) or "body"
        message = err["msg"]
        # pydantic prefixes custom messages with "Value error, "; the reader needs the rest.
        message = message.removeprefix("Value error, ")
        out.append({"field": field, "message": message})
    return out


def unavailable() -> Problem:
    return Problem(
        503,
        "Service unavailable",
        "The database cannot be reached; try again shortly.",
        headers={"Retry-After": "5"},
    )


# Errors that mean "the database is not there right now", not "the request was bad".
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    # A session ended by the server mid-transaction (shutdown, pg_terminate_backend) can
    # leave asyncpg's protocol mid-operation: MagicStack/asyncpg#784, #1069.
    asyncpg.exceptions.InternalClientError,
)

# Text PostgreSQL cannot hold, which only a client sends: U+0000 in a value or a JSON string.
NUL_IN_TEXT: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)
