"""Models for the admin API's answers: tokens, statistics, models, training, the
simulator and readers' data."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from moderation.http.schemas_moderator import (
    StatusName,
)
from moderation.openapi.answers import (
    Label,
    Rejection,
    TokenRole,
)


class Token(BaseModel):
    id: int
    name: str
    role: TokenRole
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    site: str | None = Field(description="The one site it is for; null: every site.")
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


class AuditFigures(BaseModel):
    resolved: int = Field(
        description="Audits of the model's own decisions (confident_ham, confident_spam) a "
        "moderator confirmed or overturned; rule rejections and known-author approvals are "
        "not counted."
    )
    overturned: int
    error_rate: float | None = Field(description="overturned / resolved; null before any.")
    upper_bound_95: float | None = Field(description="One-sided 95 % Clopper-Pearson bound.")
    target: float = Field(description="The error rate the thresholds were derived for.")
    level: int = Field(description="How often audits tightened the thresholds (0: never).")


class Audits(BaseModel):
    model_version: str = Field(description="The model served; figures are for its decisions.")
    open: int = Field(description="Audits waiting for a moderator.")
    approved: AuditFigures = Field(description="Automatic approvals: spam that was published.")
    rejected: AuditFigures = Field(description="Automatic rejections: ham that was not.")


class CheckStats(BaseModel):
    pending: int = Field(description="Akismet checks waiting for a moderator now.")
    decided_today: Outcomes
    automatic: Outcomes
    human: Outcomes


class Stats(BaseModel):
    pending: int = Field(description="Comments waiting for a moderator now.")
    since: datetime = Field(description="The start of today (UTC).")
    decided_today: Outcomes
    automatic: Outcomes
    human: Outcomes
    audits: Audits
    checks: CheckStats | None = Field(default=None, description="The same for Akismet checks.")


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
    site: str = Field(description="The site whose labels it trains on.")
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


class ExportedMail(BaseModel):
    mailed_at: datetime
    confirmed_at: datetime | None


class Export(BaseModel):
    email: str
    comments: list[ExportedComment]
    history: list[ExportedChange]
    labels: list[ExportedLabel]
    checks: list[dict[str, Any]] = Field(
        default_factory=list, description="Akismet checks with this email."
    )
    mail: ExportedMail | None = Field(
        default=None, description="Confirmation mail to this address, if any was sent."
    )


class Erasure(BaseModel):
    mode: Literal["anonymise", "remove"]
    comments: int = Field(description="Comments anonymised or removed.")
    labels: int = Field(description="Labels anonymised or removed.")
    checks: int = Field(default=0, description="Akismet checks anonymised or removed.")


class ArticleSettings(BaseModel):
    article: str
    title: str | None
    url: str | None
    state: Literal["open", "premoderated", "closed"] = Field(description="As set.")
    close_after_days: int | None
    closes_at: datetime | None = Field(description="When the age limit closes it, if set.")
    effective_state: Literal["open", "premoderated", "closed"] = Field(
        description="What a submission meets now: closed once past `closes_at`."
    )
    published_at: datetime | None
    updated_at: datetime
