"""Answer models of the desk's API: search, commenters, notes and site rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from moderation.openapi.answers import QueueItem


class SearchPage(BaseModel):
    items: list[QueueItem] = Field(description="Matching comments in any state, newest first.")
    next_cursor: str | None


class Commenter(BaseModel):
    email: str = Field(description="Lower case.")
    approved: int
    pending: int
    spam: int
    removed: int
    rejected: int = Field(description="spam + removed.")
    total: int
    first_seen: datetime | None
    last_seen: datetime | None
    badges: list[Literal["new", "trusted", "spammer"]] = Field(
        description="`new`: nothing published or refused yet; `trusted`: 3 or more approved "
        "and no spam; `spammer`: any spam."
    )


class Note(BaseModel):
    id: int
    comment_id: int
    by: str = Field(description="The moderator's token name.")
    note: str
    at: datetime


class NotePage(BaseModel):
    items: list[Note] = Field(description="Oldest first.")
    next_cursor: None = Field(description="Always null: a comment's notes fit one page.")


class RuleChange(BaseModel):
    version: int
    changed: list[str] = Field(description="The lists (or max_links) the change named.")
    changed_by: str
    changed_at: datetime
    rules: dict[str, Any] = Field(description="The rules after the change.")


class Rules(BaseModel):
    blocked_emails: list[str]
    blocked_domains: list[str]
    blocked_ips: list[str] = Field(description="Networks in CIDR form (an address is a /32).")
    disallowed_words: list[str] = Field(description="Any of these rejects a comment as spam.")
    moderation_words: list[str] = Field(description="Any of these holds a comment for review.")
    max_links: int = Field(description="More links than this hold a comment for review.")
    version: int = Field(description="0: the environment's values, never changed at run time.")
    changed_by: str | None
    changed_at: datetime | None
    history: list[RuleChange] = Field(description="The latest changes, newest first.")
