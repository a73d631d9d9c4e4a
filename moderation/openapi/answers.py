"""Response and request-body models the OpenAPI document describes.

Handlers build some answers as plain dicts; these models say what those dicts hold
(tests/integration/test_openapi.py checks them against real answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moderation.http.schemas import CommentIn
from moderation.http.schemas_moderator import (
    StatusName,
)
from moderation.problems import PROBLEM_BASE
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


class ProblemDetails(BaseModel):
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


class DecisionConflict(ProblemDetails):
    """409 on a decision: stale (`current` tells the state now) or claimed (`claimed_by`)."""

    current: CurrentState | None = Field(
        default=None, description="With a stale decision (type .../stale): the state now."
    )
    claimed_by: str | None = Field(
        default=None, description="With a claimed comment (type .../claimed): who holds it."
    )


class TooMany(ProblemDetails):
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
    last_backup_at: datetime | None = Field(
        default=None,
        description="When the newest backup in BACKUP_DIR was taken (null: none there).",
    )
    model: bool | None = Field(
        default=None,
        description="Whether the model scores the probe comments (absent when the database "
        "or migrations are not ready); false is unavailable.",
    )
    model_error: str | None = Field(default=None, description="Why the model cannot score.")


# --- the moderator API ----------------------------------------------------------------


class RuleHit(BaseModel):
    rule: str
    verdict: Literal["spam", "review"]
    detail: str


class DecisionThresholds(BaseModel):
    low: float = Field(description="Below this spam probability a comment is approved.")
    high: float = Field(description="Above this spam probability a comment is rejected.")


class Reason(BaseModel):
    term: str = Field(description="The scorer's term, e.g. `meta:links:2`.")
    label: str = Field(description="What it means, e.g. `links to 2 sites`.")
    weight: float = Field(description="How far it moved the decision value (+ spam, - ham).")
    towards: Literal["spam", "ham"]


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
    why: list[Reason] = Field(description="The same terms, named for a moderator.")
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


class DecidedItem(QueueItem):
    """A comment after a decision or an undo."""

    decision_id: int = Field(
        description="The history row of this change: POST /v1/comments/{id}/undo names it."
    )


class ModeratorComment(QueueItem):
    label: CommentLabel | None = Field(description="The training label, if the comment has one.")


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_cursor: str | None
    total: int = Field(
        description=f"Pending comments that match the filters, counted up to {TOTAL_CAP}."
    )
    total_capped: bool = Field(description=f"True: {TOTAL_CAP} or more.")


class AuditNote(BaseModel):
    auto_status: Literal["approved", "rejected"] = Field(description="What automation chose.")
    outcome: str = Field(description="The policy outcome that was audited.")
    audited_at: datetime


class AuditItem(QueueItem):
    audit: AuditNote


class AuditPage(BaseModel):
    items: list[AuditItem]
    next_cursor: str | None


class ClaimedItems(BaseModel):
    items: list[QueueItem] = Field(description="The comments leased to the caller, oldest first.")


class Released(BaseModel):
    released: int = Field(description="How many claims were given back.")


class BulkDone(BaseModel):
    id: int
    ok: Literal[True]
    status: StatusName
    rejection: Rejection | None
    decision_id: int = Field(description="What an undo names.")


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


class CommentHistoryEntry(HistoryEntry):
    id: int = Field(description="The change's id: a decision's `decision_id`, for an undo.")


class CommentHistoryPage(BaseModel):
    items: list[CommentHistoryEntry]
    next_cursor: str | None = Field(description="Always null: a history fits one page.")


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
