"""Pydantic models for the moderator and admin APIs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from moderation.http.schemas import ID_MAX

Action = Literal["approve", "spam", "reject"]
StatusName = Literal["approved", "pending", "rejected"]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    note: str | None = Field(default=None, max_length=2000)
    expected_status: StatusName | None = None


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_id: int = Field(
        ge=1, le=ID_MAX, description="The decision to undo: its `decision_id` or history `id`."
    )


class BulkItem(DecisionIn):
    id: int = Field(ge=1, le=ID_MAX)


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BulkItem] = Field(min_length=1, max_length=500)


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=10, ge=1, le=100)


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=ID_MAX)]] = Field(min_length=1, max_length=500)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.@+-]+$")
    role: Literal["moderator", "admin", "site"]
    # The one site the token is for; none: the caller's site (every site for an admin of all)
    site: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_seed: bool = True


class ArticleSettingsIn(BaseModel):
    """PUT /v1/admin/articles/{article}: the whole of an article's settings."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://[^\s/?#]+[^\s]*$")
    state: Literal["open", "premoderated", "closed"] = "open"
    close_after_days: int | None = Field(default=None, ge=1, le=36500)
