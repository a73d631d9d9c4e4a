"""Pydantic models for sites (issue 13): a new site, and a site as the API shows it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SITE_ID = r"^[a-z0-9][a-z0-9-]{0,31}$"


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SITE_ID, description="A short id: a-z, 0-9 and '-', at most 32.")
    name: str = Field(min_length=1, max_length=200)
    origins: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Where the site's pages live, as https://host[:port]: they may frame its "
        "embed pages and be sent back to after a form.",
    )
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="Values of this site over the installation's: trust_known_authors, "
        "spam_answer, flag_threshold, flag_confirmed_weight, flagged_shown, page_size_default.",
    )


class SiteOut(BaseModel):
    id: str
    name: str
    origins: list[str]
    settings: dict[str, Any]


class SitePage(BaseModel):
    items: list[SiteOut]
    next_cursor: str | None = None
