"""The table of operations: method, path, role, parameters, body, answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from moderation.akismet import THANKS
from moderation.auth import Role
from moderation.openapi.answers import (
    PATH,
    REF,
    AkismetForm,
    AkismetKeyForm,
    Alive,
    BulkResults,
    ClaimedItems,
    CommentSubmission,
    DecisionConflict,
    HistoryPage,
    ModeratorComment,
    Problem,
    QueueItem,
    QueuePage,
    Readiness,
    Released,
    TooMany,
)
from moderation.schemas import ID_MAX, CommentPage
from moderation.schemas import Status as SubmissionStatus
from moderation.schemas_moderator import (
    BulkDecisionIn,
    ClaimIn,
    DecisionIn,
    ReleaseIn,
)
from moderation.settings import Settings

# --- the table of operations -------------------------------------------------------------


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
    problem_models: Mapping[int, type[Problem]] = field(default_factory=dict)


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


def operations(settings: Settings) -> list[Operation]:
    """Every operation of the API, in the order the document lists them."""
    # The admin table lives in its own module, which builds on the helpers here.
    from moderation.openapi.admin_operations import admin_operations

    page = _page_params(settings)
    moderator = Role.MODERATOR
    score = {"type": "number", "minimum": 0, "maximum": 1}
    seconds = {"type": "integer", "minimum": 0, "maximum": 10 * 365 * 86400}
    return [
        Operation(
            "get",
            "/healthz",
            "healthz",
            "Liveness: the process answers",
            "operations",
            "public",
            replies={200: Reply("Alive.", Alive)},
        ),
        Operation(
            "get",
            "/readyz",
            "readyz",
            "Readiness: the database answers and the schema is current",
            "operations",
            "public",
            replies={
                200: Reply("Ready for traffic.", Readiness),
                503: Reply("Not ready.", Readiness, headers=("Retry-After",)),
            },
        ),
        Operation(
            "get",
            "/metrics",
            "metrics",
            "Prometheus metrics",
            "operations",
            "public",
            description="The Prometheus text exposition format; no emails or addresses.",
            replies={200: Reply("Metrics.", media=PLAIN, schema={"type": "string"})},
            problems=DB,
        ),
        Operation(
            "get",
            PATH,
            "openapi",
            "This document",
            "operations",
            "public",
            replies={200: Reply("The OpenAPI document.", schema={"type": "object"})},
        ),
        Operation(
            "post",
            "/v1/comments",
            "submit_comment",
            "Submit a comment",
            "public",
            "optional",
            description=(
                "Open to everyone. A Bearer token (any role) is optional: its holder skips the "
                "flood limits, and a wrong one is 401. The answer is 201 when the comment is "
                "published and 202 when it waits (or, unless configured otherwise, was "
                "rejected: a spammer must not learn what the filter caught). A form post with "
                f"`redirect_to` is answered 303. The `{settings.honeypot_field}` field is a "
                "honeypot: people leave it empty. Retries with the same Idempotency-Key get "
                "the first answer."
            ),
            params=[
                Param(
                    "Idempotency-Key",
                    "header",
                    {"type": "string", "pattern": "^[!#-~]{1,255}$"},
                    "Makes retries safe: 1 to 255 visible ASCII characters (may be quoted).",
                )
            ],
            body=Body(
                {
                    "application/json": CommentSubmission,
                    "application/x-www-form-urlencoded": {"$ref": REF.format(model="CommentForm")},
                }
            ),
            replies={
                201: Reply("Published.", SubmissionStatus),
                202: Reply("Accepted, waiting for a moderator.", SubmissionStatus),
                303: Reply("A form post with redirect_to: go there.", headers=("Location",)),
            },
            problems=(400, 401, 408, 409, 413, 415, 422, 429, *DB),
            problem_models={429: TooMany},
        ),
        Operation(
            "get",
            "/v1/articles/{article}/comments",
            "list_comments",
            "An article's approved comments, threaded",
            "public",
            "public",
            description="Top-level comments oldest first, each with its replies; keyset pages.",
            params=[
                Param("article", "path", {"type": "string", "minLength": 1}, "The article."),
                *page,
            ],
            replies={200: Reply("A page of threads.", CommentPage)},
            problems=(400, 404, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/queue",
            "list_queue",
            "The review queue",
            "moderator",
            moderator,
            description="Pending comments, oldest or most uncertain first, with filters.",
            params=[
                Param(
                    "order",
                    "query",
                    {"type": "string", "enum": ["oldest", "uncertain"], "default": "oldest"},
                ),
                Param("article", "query", {"type": "string"}, "Only this article's."),
                Param("min_score", "query", score, "Spam score at least."),
                Param("max_score", "query", score, "Spam score at most."),
                Param("older_than", "query", seconds, "At least this many seconds old."),
                Param("newer_than", "query", seconds, "At most this many seconds old."),
                *page,
            ],
            replies={200: Reply("A page of the queue.", QueuePage)},
            problems=(400, *AUTH, 422, *DB),
        ),
        Operation(
            "post",
            "/v1/queue/claim",
            "claim",
            "Lease pending comments for five minutes",
            "moderator",
            moderator,
            description="The caller's live claims first, then unclaimed ones; never the same "
            "comment to two moderators.",
            body=json_body(ClaimIn, required=False),
            replies={200: Reply("The claimed comments.", ClaimedItems)},
            problems=(*AUTH, *BODY_PROBLEMS, *DB),
        ),
        Operation(
            "post",
            "/v1/queue/release",
            "release",
            "Give claims back",
            "moderator",
            moderator,
            description="A moderator releases their own claims; an admin anyone's.",
            body=json_body(ReleaseIn),
            replies={200: Reply("How many were released.", Released)},
            problems=(*AUTH, *BODY_PROBLEMS, *DB),
        ),
        Operation(
            "post",
            "/v1/comments/{id}/decision",
            "decide",
            "Decide on a comment",
            "moderator",
            moderator,
            description=(
                "approve (label ham), spam (label spam) or reject (removed, no label). With "
                "`expected_status`, a comment that changed meanwhile is a 409 (stale). A "
                "comment another moderator claimed is a 409 too (admins override)."
            ),
            params=[id_param("comment")],
            body=json_body(DecisionIn),
            replies={200: Reply("The comment after the decision.", QueueItem)},
            problems=(*AUTH, 404, 409, *BODY_PROBLEMS, *DB),
            problem_models={409: DecisionConflict},
        ),
        Operation(
            "post",
            "/v1/decisions",
            "decide_many",
            "Decide on many comments",
            "moderator",
            moderator,
            description="Each item stands or fails on its own; failures carry their problem.",
            body=json_body(BulkDecisionIn),
            replies={200: Reply("One result per item.", BulkResults)},
            problems=(*AUTH, *BODY_PROBLEMS, *DB),
        ),
        Operation(
            "get",
            "/v1/comments/{id}",
            "show_comment",
            "A comment, as moderators see it",
            "moderator",
            moderator,
            params=[id_param("comment")],
            replies={200: Reply("The comment and its label.", ModeratorComment)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "get",
            "/v1/comments/{id}/history",
            "comment_history",
            "A comment's status changes",
            "moderator",
            moderator,
            params=[id_param("comment")],
            replies={200: Reply("Every status change, oldest first.", HistoryPage)},
            problems=(*AUTH, 404, *DB),
        ),
        *admin_operations(settings),
        _akismet(
            "/1.1/verify-key",
            "akismet_verify_key",
            "Akismet: verify a key",
            AkismetKeyForm,
            ("valid", "invalid"),
            ("X-akismet-debug-help",),
        ),
        _akismet(
            "/1.1/comment-check",
            "akismet_comment_check",
            "Akismet: check a comment (`true`: spam)",
            AkismetForm,
            ("true", "false", "invalid"),
            ("X-akismet-guid", "X-akismet-pro-tip", "X-akismet-debug-help"),
        ),
        _akismet(
            "/1.1/submit-spam",
            "akismet_submit_spam",
            "Akismet: report missed spam",
            AkismetForm,
            (THANKS, "invalid"),
            ("X-akismet-debug-help",),
        ),
        _akismet(
            "/1.1/submit-ham",
            "akismet_submit_ham",
            "Akismet: report a false positive",
            AkismetForm,
            (THANKS, "invalid"),
            ("X-akismet-debug-help",),
        ),
    ]
