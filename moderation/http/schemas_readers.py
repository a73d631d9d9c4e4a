"""Pydantic models for readers' additions to the public API (issue 16): flags."""

from __future__ import annotations

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
