"""The OpenAPI 3.1 document of the JSON API, served at `GET /openapi.json`.

Built in code from one table of operations (method, path, role, parameters,
request body, answers per status), with JSON Schemas generated from the
pydantic models: the request models the handlers parse with, and the response
models below for answers that handlers build as plain dicts. Every error is
`application/problem+json` (see errors.py and docs/API.md).

The browser pages (/desk, /embed, /demo, /static) are HTML, not API, and are
left out. tests/integration/test_openapi.py checks that every other route the
app registers is described here, so the document cannot drift silently.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from moderation import __version__
from moderation.akismet import THANKS
from moderation.api.models import TrainingIn
from moderation.auth import Role
from moderation.errors import PROBLEM_BASE, PROBLEM_CONTENT_TYPE
from moderation.keys import SETTINGS
from moderation.schemas import DEFAULT_LIMITS, ID_MAX, CommentIn, CommentPage
from moderation.schemas import Status as SubmissionStatus
from moderation.schemas_moderator import (
    BulkDecisionIn,
    ClaimIn,
    DecisionIn,
    ReleaseIn,
    StatusName,
    TokenIn,
)
from moderation.settings import Settings
from moderation.store.queue import TOTAL_CAP

PATH = "/openapi.json"
REF = "#/components/schemas/{model}"

Rejection = Literal["spam", "removed"]
Label = Literal["ham", "spam"]
TokenRole = Literal["moderator", "admin", "site"]


# --- errors --------------------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="The field (or query parameter) at fault, dotted for nesting.")
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details; extension members may follow."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description=f"A URI naming the kind of problem, under {PROBLEM_BASE}.",
        json_schema_extra={"format": "uri"},
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = Field(default="", description="Absent when the title says it all.")
    errors: list[FieldError] = Field(
        default_factory=list, description="For 422: one entry per invalid field (else absent)."
    )


class CurrentState(BaseModel):
    status: StatusName
    rejection: Rejection | None
    decided_by: str


class DecisionConflict(Problem):
    """409 on a decision: stale (`current` tells the state now) or claimed (`claimed_by`)."""

    current: CurrentState | None = Field(
        default=None, description="With a stale decision (type .../stale): the state now."
    )
    claimed_by: str | None = Field(
        default=None, description="With a claimed comment (type .../claimed): who holds it."
    )


class TooMany(Problem):
    """429: the sender is over a flood limit."""

    retry_after: int = Field(ge=0, description="Seconds to wait, as the Retry-After header.")


class ProblemSummary(BaseModel):
    """A problem without its field errors, as the items of a bulk answer carry it."""

    type: str
    title: str
    status: int
    detail: str = ""


# --- health --------------------------------------------------------------------------


class Alive(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    model_version: str = Field(description="The model this instance serves.")
    database: bool = Field(description="Whether the database answered.")
    pending_migrations: list[str] = Field(
        default_factory=list,
        description="Migrations not yet applied (absent when the database is down).",
    )


# --- the moderator API ----------------------------------------------------------------


class RuleHit(BaseModel):
    rule: str
    verdict: Literal["spam", "review"]
    detail: str


class DecisionThresholds(BaseModel):
    low: float = Field(description="Below this spam probability a comment is approved.")
    high: float = Field(description="Above this spam probability a comment is rejected.")


class QueueItem(BaseModel):
    """A comment as moderators see it: everything the decision used, emails and IPs included."""

    id: int
    article: str
    parent_id: int | None
    name: str
    email: str
    url: str | None
    body: str
    client_ip: str | None = Field(description="Cut to its network after the retention period.")
    user_agent: str | None
    referrer: str | None
    status: StatusName
    rejection: Rejection | None
    spam_score: float | None = Field(ge=0, le=1)
    model_version: str | None
    reasons: list[str]
    rules: list[RuleHit] = Field(description="The site rules that fired.")
    top_features: list[tuple[str, float]] = Field(
        description="[term, weight] pairs that moved the score most."
    )
    thresholds: DecisionThresholds | None
    decided_by: str = Field(description="`auto`, or the name of a moderator's token.")
    created_at: datetime
    updated_at: datetime
    age_seconds: int
    claimed_by: str | None
    claim_expires_at: datetime | None


class CommentLabel(BaseModel):
    label: Label
    source: str = Field(description="`moderator`, `import:<name>` or `akismet`.")
    given_by: str
    created_at: datetime


class ModeratorComment(QueueItem):
    label: CommentLabel | None = Field(description="The training label, if the comment has one.")


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None
    total: int = Field(
        description=f"Pending comments that match the filters, counted up to {TOTAL_CAP}."
    )
    total_capped: bool = Field(description=f"True: {TOTAL_CAP} or more.")


class ClaimedItems(BaseModel):
    items: list[QueueItem] = Field(description="The comments leased to the caller, oldest first.")


class Released(BaseModel):
    released: int = Field(description="How many claims were given back.")


class BulkDone(BaseModel):
    id: int
    ok: Literal[True]
    status: StatusName
    rejection: Rejection | None


class BulkFailed(BaseModel):
    id: int
    ok: Literal[False]
    error: ProblemSummary


class BulkResults(BaseModel):
    items: list[BulkDone | BulkFailed] = Field(description="One per item, in the order sent.")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    at: datetime
    by: str = Field(description="`auto`, or a token's name.")
    from_: StatusName | None = Field(alias="from", description="None when the comment arrived.")
    to: StatusName
    rejection: Rejection | None
    spam_score: float | None
    model_version: str | None
    note: str | None


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = Field(description="Always null: a history fits one page.")


# --- the admin API --------------------------------------------------------------------


class Token(BaseModel):
    id: int
    name: str
    role: TokenRole
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(Token):
    token: str = Field(description="The secret: shown this once, never again.")


class TokenPage(BaseModel):
    items: list[Token]
    next_cursor: str | None


class Outcomes(BaseModel):
    approved: int
    pending: int
    spam: int
    removed: int


class Stats(BaseModel):
    pending: int = Field(description="Comments waiting for a moderator now.")
    since: datetime = Field(description="The start of today (UTC).")
    decided_today: Outcomes
    automatic: Outcomes
    human: Outcomes


class ModelThresholds(BaseModel):
    low: float
    high: float
    spam_in_approved: float
    ham_in_rejected: float
    confidence: float


class ModelSummary(BaseModel):
    version: str
    state: Literal["candidate", "active", "retired"]
    created_by: str
    created_at: datetime
    activated_at: datetime | None
    figures: dict[str, Any] | None = Field(description="Held-out evaluation figures.")
    thresholds: ModelThresholds | None
    training_data: dict[str, Any] | None
    comparison: dict[str, Any] | None = Field(description="Against the model active then.")


class ModelDetail(ModelSummary):
    metadata: dict[str, Any] = Field(description="Everything kept with the model.")


class ModelPage(BaseModel):
    items: list[ModelSummary]
    next_cursor: str | None


class TrainingProgress(BaseModel):
    model_config = ConfigDict(extra="allow")

    stage: str = ""
    percent: int = Field(default=0, ge=0, le=100)
    message: str = ""


class TrainingJob(BaseModel):
    id: int
    state: Literal["queued", "running", "succeeded", "failed"]
    params: dict[str, Any]
    progress: TrainingProgress
    error: str | None
    model_version: str | None
    comparison: dict[str, Any] | None
    activated: bool
    created_by: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None


class TrainingQueued(BaseModel):
    id: int
    state: Literal["queued"]


class TrainingPage(BaseModel):
    items: list[TrainingJob]
    next_cursor: str | None


class LabelImport(BaseModel):
    imported: int
    duplicates: int = Field(description="Labels already stored (by content), skipped.")
    source: str


class SimulatedThresholds(BaseModel):
    low: float
    high: float
    basis: str = Field(description="`model`, `given`, or how they were derived.")


class ExpectedErrors(BaseModel):
    spam_approved: int
    ham_rejected: int
    spam_in_approved: float
    ham_in_rejected: float
    auto_error_rate: float


class Simulation(BaseModel):
    model_version: str
    thresholds: SimulatedThresholds
    history: str = Field(description="What was replayed.")
    n: int
    spam: int
    ham: int
    approved: float = Field(description="Share approved automatically.")
    rejected: float
    queued: float
    expected_errors: ExpectedErrors


class ExportedComment(BaseModel):
    id: int
    article: str
    parent_id: int | None
    author_name: str
    author_email: str
    author_url: str | None
    body: str
    client_ip: str | None
    user_agent: str | None
    referrer: str | None
    status: StatusName
    rejection: Rejection | None
    spam_score: float | None
    model_version: str | None
    reasons: list[str]
    decided_by: str
    created_at: datetime
    updated_at: datetime


class ExportedChange(BaseModel):
    comment_id: int
    at: datetime
    actor: str
    from_status: StatusName | None
    to_status: StatusName
    rejection: Rejection | None
    note: str | None


class ExportedLabel(BaseModel):
    id: int
    comment_id: int | None
    label: Label
    source: str
    given_by: str
    author_name: str | None
    author_url: str | None
    body: str | None
    created_at: datetime


class Export(BaseModel):
    email: str
    comments: list[ExportedComment]
    history: list[ExportedChange]
    labels: list[ExportedLabel]


class Erasure(BaseModel):
    mode: Literal["anonymise", "remove"]
    comments: int = Field(description="Comments anonymised or removed.")
    labels: int = Field(description="Labels anonymised or removed.")


# --- request bodies described here ------------------------------------------------------


class CommentSubmission(CommentIn):
    """A comment from an article page, as JSON or an HTML form.

    Forms may use WordPress's names (comment_post_ID, author, comment,
    comment_parent). `redirect_to` (a relative path or an allowed origin) makes
    a form post answer 303 to it.
    """

    redirect_to: str | None = None


URI: dict[str, Any] = {"format": "uri"}
IP: dict[str, Any] = {"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}


class AkismetForm(BaseModel):
    """Akismet's fields (REST API 1.1); `comment_context[]` may repeat; unknown ones are ignored."""

    model_config = ConfigDict(extra="allow")

    api_key: str = Field(
        description="A token with the site role (or admin); else the host's first label."
    )
    blog: str = Field(description="The site's front page URL.", json_schema_extra=URI)
    user_ip: str = Field(description="The commenter's IP address.", json_schema_extra=IP)
    user_agent: str = ""
    referrer: str = ""
    permalink: str = ""
    comment_type: str = ""
    comment_author: str = ""
    comment_author_email: str = ""
    comment_author_url: str = ""
    comment_content: str = ""
    comment_date_gmt: str = ""
    comment_post_modified_gmt: str = ""
    blog_lang: str = ""
    blog_charset: str = ""
    user_role: str = Field(default="", description="`administrator` is always ham.")
    is_test: str = Field(default="", description="True-ish: decide, store nothing.")
    recheck_reason: str = ""
    honeypot_field_name: str = ""
    guid: str = Field(default="", description="submit-spam/ham: X-akismet-guid of the check.")


class AkismetKeyForm(BaseModel):
    model_config = ConfigDict(extra="allow")

    key: str = Field(default="", description="The API key (else `api_key`).")
    api_key: str = ""
    blog: str = Field(description="The site's front page URL.", json_schema_extra=URI)


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


def _id(of: str) -> Param:
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


def _json(model: type[BaseModel], required: bool = True) -> Body:
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
    page = _page_params(settings)
    admin, moderator = Role.ADMIN, Role.MODERATOR
    score = {"type": "number", "minimum": 0, "maximum": 1}
    seconds = {"type": "integer", "minimum": 0, "maximum": 10 * 365 * 86400}
    version = Param("version", "path", {"type": "string", "minLength": 1}, "A model's version.")
    email = Param(
        "email",
        "path",
        {"type": "string", "format": "email", "maxLength": 254},
        "The reader's email address (any case).",
    )
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
            body=_json(ClaimIn, required=False),
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
            body=_json(ReleaseIn),
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
            params=[_id("comment")],
            body=_json(DecisionIn),
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
            body=_json(BulkDecisionIn),
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
            params=[_id("comment")],
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
            params=[_id("comment")],
            replies={200: Reply("Every status change, oldest first.", HistoryPage)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/tokens",
            "create_token",
            "Create an API token",
            "admin",
            admin,
            body=_json(TokenIn),
            replies={201: Reply("The token, with its secret (shown once).", NewToken)},
            problems=(*AUTH, *BODY_PROBLEMS, 409, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/tokens",
            "list_tokens",
            "API tokens",
            "admin",
            admin,
            params=[
                Param(
                    "all",
                    "query",
                    {"type": "boolean"},
                    "Present (any value): include revoked tokens.",
                )
            ],
            replies={200: Reply("The tokens (never their secrets).", TokenPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "delete",
            "/v1/admin/tokens/{id}",
            "revoke_token",
            "Revoke an API token",
            "admin",
            admin,
            params=[_id("token")],
            replies={204: Reply("Revoked.")},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "get",
            "/v1/stats",
            "stats",
            "Queue depth and today's decisions",
            "admin",
            admin,
            description="Status changes since the start of the UTC day, automatic vs human.",
            replies={200: Reply("The figures.", Stats)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/models",
            "list_models",
            "The model registry",
            "models",
            admin,
            replies={200: Reply("Every model, newest first.", ModelPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/models/rollback",
            "rollback_model",
            "Activate the previously active model",
            "models",
            admin,
            replies={200: Reply("The model now active.", ModelSummary)},
            problems=(*AUTH, 404, 409, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/models/{version}",
            "show_model",
            "A model and its metadata",
            "models",
            admin,
            params=[version],
            replies={200: Reply("The model.", ModelDetail)},
            problems=(400, *AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/models/{version}/activate",
            "activate_model",
            "Make a model the active one",
            "models",
            admin,
            description="Every instance switches to it; pending comments are rescored. A model "
            "file that fails the trust checks is refused (422).",
            params=[version],
            replies={200: Reply("The model now active.", ModelSummary)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/training",
            "start_training",
            "Start a training job",
            "models",
            admin,
            description="Trains a candidate in a separate process; follow it with GET.",
            body=_json(TrainingIn, required=False),
            replies={202: Reply("Queued.", TrainingQueued)},
            problems=(*AUTH, *BODY_PROBLEMS, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/training",
            "list_training",
            "Training jobs",
            "models",
            admin,
            replies={200: Reply("The latest 50 jobs, newest first.", TrainingPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/training/{id}",
            "show_training",
            "A training job",
            "models",
            admin,
            params=[_id("job")],
            replies={200: Reply("The job.", TrainingJob)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/labels",
            "import_labels",
            "Import labelled comments",
            "models",
            admin,
            description="JSONL or CSV, the formats `moderation train` reads; duplicates (by "
            "content) are skipped.",
            params=[Param("source", "query", {"type": "string"}, "Recorded as import:<source>.")],
            body=Body(
                {
                    "application/x-ndjson": {"type": "string"},
                    "application/jsonl": {"type": "string"},
                    "text/csv": {"type": "string"},
                },
                description="One labelled comment per line (JSONL) or row (CSV).",
            ),
            replies={201: Reply("What was imported.", LabelImport)},
            problems=(*AUTH, 400, 413, 415, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/simulate",
            "simulate",
            "What-if: volumes and errors for other targets or thresholds",
            "models",
            admin,
            description=(
                "Replays the site's labels against a model (default: the active one) with "
                "thresholds derived for the given targets, or the given thresholds."
            ),
            params=[
                Param("version", "query", {"type": "string"}, "A model (default: active)."),
                Param(
                    "spam_in_approved",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                ),
                Param(
                    "ham_in_rejected",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                ),
                Param(
                    "confidence",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 1},
                ),
                Param("low", "query", score, "A low threshold to try."),
                Param("high", "query", score, "A high threshold to try."),
            ],
            replies={200: Reply("The projection.", Simulation)},
            problems=(400, *AUTH, 404, 409, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/commenters/{email}/export",
            "export_commenter",
            "Everything stored about an email address",
            "privacy",
            admin,
            params=[email],
            replies={200: Reply("Comments, their history and labels.", Export)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
        Operation(
            "delete",
            "/v1/admin/commenters/{email}",
            "erase_commenter",
            "Erase a reader",
            "privacy",
            admin,
            description="Anonymises their comments or removes them, as the site is configured.",
            params=[email],
            replies={200: Reply("What was erased.", Erasure)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
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


# --- building the document ---------------------------------------------------------------

ROLE_TEXT = {
    "public": "Open to everyone; no token.",
    "optional": "Open to everyone; a Bearer token of any role is optional.",
    "form-key": "The API key (a token with the site or admin role) goes in the form.",
    Role.MODERATOR: "Needs a Bearer token with the moderator role (admins may too).",
    Role.ADMIN: "Needs a Bearer token with the admin role.",
}


# Each model and mode -> its {"$ref": ...}, as pydantic's models_json_schema gives them.
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _models(ops: Sequence[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    seen: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for op in ops:
        if op.body is not None:
            for m in op.body.content.values():
                if isinstance(m, type):
                    seen[(m, "validation")] = None
        for reply in op.replies.values():
            if reply.model is not None:
                seen[(reply.model, "serialization")] = None
        for status in op.problems:
            seen[(op.problem_models.get(status, Problem), "serialization")] = None
    return list(seen)


def _ref(refs: Refs, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return dict(refs[(model, mode)])


# What CommentIn's validators accept, as patterns: no control characters (but tab and line
# breaks in text), something besides white space, and no white space at all in an article id.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
TEXT_PATTERN = f"^[^{_CONTROL}]*{_VISIBLE}[^{_CONTROL}]*$"
ARTICLE_PATTERN = f"^{_VISIBLE}+$"


def _limit_comment_fields(components: dict[str, Any], settings: Settings) -> None:
    """What the validators check in code: the operator's limits (from the settings) and more."""
    props = components["CommentSubmission"]["properties"]
    limits = {
        "article": DEFAULT_LIMITS.article_chars,
        "name": settings.max_name_chars,
        "email": settings.max_email_chars,
        "url": settings.max_url_chars,
    }
    for name, limit in limits.items():
        target = props[name]
        for option in target.get("anyOf", [target]):
            if option.get("type") == "string":
                option["maxLength"] = limit
    props["article"].update(pattern=ARTICLE_PATTERN, description="The article's id: no spaces.")
    props["name"].update(pattern=TEXT_PATTERN, description="The commenter's name.")
    props["email"].update(format="email", description="Never shown to readers.")
    # A limit in UTF-8 bytes, which JSON Schema cannot express: told, and given as x-max-bytes.
    props["body"].update(
        pattern=TEXT_PATTERN,
        description=f"The comment: at most {settings.max_body_bytes} bytes of UTF-8.",
    )
    props["body"]["x-max-bytes"] = settings.max_body_bytes
    props["url"]["description"] = "An http(s) address; `example.com` means http://example.com."
    props["parent_id"]["description"] = "The comment this replies to (0 or empty: none)."
    props[settings.honeypot_field] = {
        "type": "string",
        "description": "The honeypot: people leave it empty (bots fill it in).",
    }
    # A form has no null: an optional field is left out or empty.
    form = copy.deepcopy(components["CommentSubmission"])
    for prop in form["properties"].values():
        prop.pop("default", None)
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        if options:
            prop.update(options[0])
    form.update(title="CommentForm", description="A comment as an HTML form posts it.")
    components["CommentForm"] = form


def build(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document for an app with these settings."""
    ops = operations(settings)
    wanted = _models(ops)
    refs, defs = models_json_schema(wanted, ref_template=REF)
    components: dict[str, Any] = copy.deepcopy(defs.get("$defs", {}))
    _limit_comment_fields(components, settings)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comment moderation API",
            "version": __version__,
            "description": (
                "Submit and read comments, review them, run the classifier's models. JSON "
                "bodies, RFC 3339 UTC timestamps, integer ids; lists are "
                '`{"items": [...], "next_cursor": ...}`; errors are application/problem+json '
                "(RFC 9457). The Akismet-compatible API keeps Akismet's paths and its "
                "form-encoded, text/plain style. Browser pages (/desk, /embed, /demo) are not "
                "part of this API."
            ),
        },
        "tags": [
            {"name": "public", "description": "Article pages: submit and read comments."},
            {"name": "moderator", "description": "The review queue and decisions."},
            {"name": "admin", "description": "Tokens and statistics."},
            {"name": "models", "description": "The model registry, training, what-if."},
            {"name": "privacy", "description": "Readers' personal data."},
            {"name": "akismet", "description": "The Akismet-compatible API (REST API 1.1)."},
            {"name": "operations", "description": "Health, readiness, metrics."},
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token: `Authorization: Bearer mod_...`. Roles: "
                    "moderator, admin (everything), site (the Akismet API).",
                }
            },
        },
    }


def _operation(op: Operation, refs: Refs) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": " ".join(t for t in (op.description, ROLE_TEXT[op.role]) if t),
        "tags": [op.tag],
    }
    if op.role == "optional":
        doc["security"] = [{}, {"bearer": []}]
    elif isinstance(op.role, Role):
        doc["security"] = [{"bearer": []}]
        doc["x-role"] = op.role.value
    if op.params:
        doc["parameters"] = [_param(p) for p in op.params]
    if op.body is not None:
        content = {
            media: {"schema": _ref(refs, m, "validation") if isinstance(m, type) else m}
            for media, m in op.body.content.items()
        }
        body: dict[str, Any] = {"required": op.body.required, "content": content}
        if op.body.description:
            body["description"] = op.body.description
        doc["requestBody"] = body
    responses: dict[str, Any] = {}
    for status, reply in sorted(op.replies.items()):
        responses[str(status)] = _reply(reply, refs)
    for status in sorted(op.problems):
        model = op.problem_models.get(status, Problem)
        responses[str(status)] = _reply(
            Reply(
                PROBLEM_TEXT[status],
                model,
                media=PROBLEM_CONTENT_TYPE,
                headers=PROBLEM_HEADERS.get(status, ()),
            ),
            refs,
        )
    doc["responses"] = responses
    return doc


def _param(p: Param) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": p.name, "in": p.where, "schema": p.schema}
    if p.where == "path":
        doc["required"] = True
    if p.description:
        doc["description"] = p.description
    return doc


def _reply(reply: Reply, refs: Refs) -> dict[str, Any]:
    doc: dict[str, Any] = {"description": reply.description}
    if reply.model is not None:
        doc["content"] = {reply.media: {"schema": _ref(refs, reply.model, "serialization")}}
    elif reply.schema is not None:
        doc["content"] = {reply.media: {"schema": reply.schema}}
    if reply.headers:
        doc["headers"] = {name: HEADERS[name] for name in reply.headers}
    return doc


# --- serving it ----------------------------------------------------------------------------

_documents: weakref.WeakKeyDictionary[web.Application, bytes] = weakref.WeakKeyDictionary()


def document(app: web.Application) -> bytes:
    """The app's document as JSON, built once per app (its settings do not change)."""
    body = _documents.get(app)
    if body is None:
        body = orjson.dumps(build(app[SETTINGS]))
        _documents[app] = body
    return body


async def handler(request: web.Request) -> web.Response:
    return web.Response(body=document(request.app), content_type="application/json")
