"""The table of operations: method, path, role, parameters, body, answers."""

from __future__ import annotations

from moderation.domain import Role
from moderation.http.schemas import CommentPage, SubmissionStatus
from moderation.http.schemas_moderator import (
    BulkDecisionIn,
    ClaimIn,
    DecisionIn,
    ReleaseIn,
    UndoIn,
)
from moderation.http.schemas_readers import FlagIn, FlagOut
from moderation.openapi.admin_operations import admin_operations
from moderation.openapi.akismet_operations import akismet_operations
from moderation.openapi.answers import (
    PATH,
    REF,
    Alive,
    AuditPage,
    BulkResults,
    ClaimedItems,
    CommentHistoryPage,
    CommentSubmission,
    DecidedItem,
    DecisionConflict,
    ModeratorComment,
    QueuePage,
    Readiness,
    Released,
    TooMany,
)
from moderation.openapi.desk_operations import desk_operations
from moderation.openapi.readers_operations import readers_operations
from moderation.openapi.table import (
    AUTH,
    BODY_PROBLEMS,
    DB,
    PLAIN,
    Body,
    Operation,
    Param,
    Reply,
    _page_params,
    id_param,
    json_body,
)
from moderation.settings import Settings


def operations(settings: Settings) -> list[Operation]:
    """Every operation of the API, in the order the document lists them."""
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
            problems=(400, 401, 403, 408, 409, 413, 415, 422, 429, *DB),
            problem_models={429: TooMany},
        ),
        Operation(
            "post",
            "/v1/comments/{id}/flags",
            "flag_comment",
            "Report a published comment",
            "public",
            "public",
            description=(
                "Open to everyone, flood-limited per address as submissions are, one flag per "
                "reader per comment. When a comment's flags reach the configured weight it goes "
                "back to the review queue as pending, with the flags as its reason. JSON only."
            ),
            params=[id_param("comment")],
            body=json_body(FlagIn),
            replies={201: Reply("The flag is recorded.", FlagOut)},
            problems=(400, 404, 408, 409, 413, 415, 422, 429, *DB),
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
                Param(
                    "site",
                    "query",
                    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"},
                    "The article's site (default: `default`); an unknown site is 404.",
                ),
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
                Param(
                    "flagged",
                    "query",
                    {"type": "string", "enum": ["true", "false"]},
                    "`true`: only comments readers flagged; `false`: only unflagged ones.",
                ),
                *page,
            ],
            replies={200: Reply("A page of the queue.", QueuePage)},
            problems=(400, *AUTH, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/audits",
            "list_audits",
            "Automatic decisions sampled for audit",
            "moderator",
            moderator,
            description=(
                "Open audits, oldest first. The comment keeps its automatic status; a "
                "moderator's decision on it (POST /v1/comments/{id}/decision) confirms the "
                "audit when the status stays, and overturns it when it changes."
            ),
            params=[*page],
            replies={200: Reply("A page of open audits.", AuditPage)},
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
            replies={200: Reply("The comment after the decision.", DecidedItem)},
            problems=(*AUTH, 404, 409, *BODY_PROBLEMS, *DB),
            problem_models={409: DecisionConflict},
        ),
        Operation(
            "post",
            "/v1/comments/{id}/undo",
            "undo_decision",
            "Undo a decision",
            "moderator",
            moderator,
            description=(
                "Puts the comment back as it was before a moderator's decision (to `pending`, "
                "or the state a reversal changed), with its label and audit, while that "
                "decision is still the comment's last change; else a 409 (stale) saying what "
                "happened since. Recorded in the history and announced like a decision "
                "(webhook, metrics; an unpublished comment leaves the article's page). A "
                "comment back in the queue is claimed by the caller. Only the moderator who "
                "decided, or an admin, may undo; an automatic decision cannot be undone."
            ),
            params=[id_param("comment")],
            body=json_body(UndoIn),
            replies={200: Reply("The comment after the undo.", DecidedItem)},
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
            replies={200: Reply("Every status change, oldest first.", CommentHistoryPage)},
            problems=(*AUTH, 404, *DB),
        ),
        *readers_operations(),
        *desk_operations(settings),
        *admin_operations(settings),
        *akismet_operations(settings),
    ]
