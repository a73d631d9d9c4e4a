"""Pydantic models for readers' additions to the public API (issue 16): flags, and a
reader's own comments by the signed link of their mail."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FlagReason = Literal["spam", "abuse", "off_topic", "other"]


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: FlagReason
    note: str | None = Field(default=None, max_length=500)
    # The comment's site (issue 13); none: the default site.
    site: str = Field(default="default", pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")


class FlagOut(BaseModel):
    comment_id: int
    message: str = Field(description="What happens next, for the reader.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=2000, description="The token of the mailed link.")


class ConfirmOut(BaseModel):
    confirmed: bool = True


class AppealIn(TokenIn):
    note: str = Field(min_length=1, max_length=500, description="Why it should be published.")


class OwnComment(BaseModel):
    id: int
    article: str
    body: str
    status: Literal["approved", "pending", "rejected"]
    created_at: datetime
    can_appeal: bool


class OwnCommentPage(BaseModel):
    items: list[OwnComment]
    next_cursor: str | None = None


class Appealed(BaseModel):
    comment_id: int
    status: Literal["pending"] = "pending"
