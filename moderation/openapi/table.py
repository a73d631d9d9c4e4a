"""The vocabulary of the operations table: parameters, bodies, answers, operations,
and the problems each kind of failure answers with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from moderation.domain import Role
from moderation.http.schemas import ID_MAX
from moderation.openapi.answers import (
    ProblemDetails,
)
from moderation.settings import Settings


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    where: Literal["query", "path", "header"]
    schema: dict[str, Any]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Body:
    """A request body: media type -> model, or a plain JSON Schema."""

    content: Mapping[str, type[BaseModel] | dict[str, Any]]
    required: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    description: str
    model: type[BaseModel] | None = None
    media: str = "application/json"
    schema: dict[str, Any] | None = None  # a body that is not a model (text)
    headers: Sequence[str] = ()
    # other media types the same answer may come as (the Akismet API's `invalid` text)
    also: Mapping[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    role: Role | Literal["public", "optional", "form-key"]
    replies: Mapping[int, Reply]
    problems: Sequence[int] = ()
    description: str = ""
    params: Sequence[Param] = ()
    body: Body | None = None
    problem_models: Mapping[int, type[ProblemDetails]] = field(default_factory=dict)


PROBLEM_TEXT = {
    400: "Malformed request: unreadable body, malformed cursor or header, a NUL character.",
    401: "No token, or an unknown or revoked one.",
    403: "The token's role does not allow this.",
    404: "No such resource.",
    408: "The request body did not arrive in time.",
    409: "Conflict: duplicate, stale, claimed by another, or not possible now.",
    413: "The request body is too large.",
    415: "Unsupported content type.",
    422: "Invalid fields or query parameters (listed in `errors`).",
    429: "Too many comments from this sender; wait Retry-After seconds.",
    503: "The database cannot be reached; retry after Retry-After seconds.",
}

# Headers an answer may carry, by name.
HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "The Bearer challenge.", "schema": {"type": "string"}},
    "Location": {"description": "Where to go next.", "schema": {"type": "string"}},
    "Accept-Post": {"description": "What this route accepts.", "schema": {"type": "string"}},
    "X-akismet-guid": {"description": "The check's id.", "schema": {"type": "string"}},
    "X-akismet-debug-help": {"description": "Why `invalid`.", "schema": {"type": "string"}},
    "X-akismet-pro-tip": {"description": "`discard`: blatant spam.", "schema": {"type": "string"}},
    "X-akismet-error": {"description": "What is wrong.", "schema": {"type": "string"}},
    "X-akismet-alert-code": {"description": "An account alert.", "schema": {"type": "string"}},
    "X-Moderation-Status": {
        "description": "approved, pending or rejected: the truth, whatever the body says.",
        "schema": {"type": "string", "enum": ["approved", "pending", "rejected"]},
    },
}
PROBLEM_HEADERS = {
    401: ("WWW-Authenticate",),
    415: ("Accept-Post",),
    429: ("Retry-After",),
    503: ("Retry-After",),
}

BODY_PROBLEMS = (400, 408, 413, 415, 422)
AUTH = (401, 403)
DB = (503,)
PLAIN = "text/plain"


def id_param(of: str) -> Param:
    return Param(
        "id", "path", {"type": "integer", "minimum": 1, "maximum": ID_MAX}, f"The {of}'s id."
    )


def _page_params(settings: Settings) -> list[Param]:
    limit = {
        "type": "integer",
        "minimum": 1,
        "maximum": settings.page_size_max,
        "default": settings.page_size_default,
    }
    return [
        Param("limit", "query", limit, "Items per page."),
        Param("cursor", "query", {"type": "string"}, "`next_cursor` of the previous page."),
    ]


def json_body(model: type[BaseModel], required: bool = True) -> Body:
    return Body({"application/json": model}, required=required)


def _akismet(
    path: str,
    operation_id: str,
    summary: str,
    form: type[BaseModel],
    answers: Sequence[str],
    headers: tuple[str, ...],
) -> Operation:
    said = " or ".join(f"`{a}`" for a in answers)
    return Operation(
        "post",
        path,
        operation_id,
        summary,
        "akismet",
        "form-key",
        description=(
            "Akismet-compatible (REST API 1.1): form-encoded fields in, one line of text/plain "
            f"out: {said}. A wrong request is answered `invalid` with an "
            "X-akismet-debug-help header, as Akismet does."
        ),
        body=Body({"application/x-www-form-urlencoded": form}, required=False),
        replies={
            200: Reply(
                f"{said}.",
                media=PLAIN,
                schema={"type": "string", "enum": list(answers)},
                headers=headers,
            )
        },
        problems=(400, 408, 413, *DB),
    )
