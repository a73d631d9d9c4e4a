"""Pydantic models at the HTTP boundary: what clients send and what they get.

Limits that an operator can change come in through the validation context
(`{"limits": Limits}`), so one model serves every configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from moderation.domain import ARTICLE_MAX_CHARS, CONTROL, DEFAULT_SITE
from moderation.settings import Settings


@lru_cache(maxsize=4096)
def _checked_email(value: str) -> str | None:
    """The normalised address, or None. Remembered: readers come back, and the check
    costs more than the rest of a comment's validation."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@dataclass(frozen=True, slots=True)
class Limits:
    """Field limits (defaults are WordPress's own)."""

    name_chars: int = 245
    email_chars: int = 100
    url_chars: int = 200
    body_bytes: int = 65525
    article_chars: int = ARTICLE_MAX_CHARS

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The comment field limits an operator configured."""
        return cls(
            name_chars=settings.max_name_chars,
            email_chars=settings.max_email_chars,
            url_chars=settings.max_url_chars,
            body_bytes=settings.max_body_bytes,
        )


DEFAULT_LIMITS = Limits()
ID_MAX = 2**63 - 1  # ids are PostgreSQL bigints: a larger one names nothing


def _limits(info: ValidationInfo) -> Limits:
    ctx = info.context or {}
    limits = ctx.get("limits", DEFAULT_LIMITS)
    assert isinstance(limits, Limits)
    return limits


def _at_most(value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")


def _no_control(value: str) -> str:
    # PostgreSQL refuses NUL in text, and other control characters only hide things.
    # One regex search, not a category look-up per character (a body has hundreds).
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


class CommentIn(BaseModel):
    """A comment as an article page submits it (JSON or an HTML form)."""

    model_config = ConfigDict(str_strip_whitespace=False, extra="ignore", frozen=True)

    article: str = Field(validation_alias=AliasChoices("article", "comment_post_ID"))
    name: str = Field(validation_alias=AliasChoices("name", "author"))
    email: str
    body: str = Field(validation_alias=AliasChoices("body", "comment"))
    url: str | None = None
    # The page's title and permalink (WordPress sends them from the comment form),
    # kept per article for the desk.
    article_title: str | None = Field(default=None, max_length=300)
    article_url: str | None = Field(default=None, max_length=2048)
    parent_id: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        validation_alias=AliasChoices("parent_id", "comment_parent"),
    )
    # Which site the article is on (issue 13); none: the default site.
    site: str = Field(default=DEFAULT_SITE, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")

    @field_validator("article", "name", "email", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                raise ValueError("must not be blank")
        return value

    @field_validator("url", "parent_id", "article_title", "article_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # Forms send an empty string for an unfilled optional field.
        if isinstance(value, str) and not value.strip():
            return None
        if value == 0 or value == "0":
            return None  # WordPress sends comment_parent=0 for a top-level comment
        return value

    @field_validator("article")
    @classmethod
    def _article(cls, value: str, info: ValidationInfo) -> str:
        _at_most(value, _limits(info).article_chars)
        if any(ch.isspace() for ch in value):
            raise ValueError("must not contain spaces")
        return _no_control(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str, info: ValidationInfo) -> str:
        _at_most(value, _limits(info).name_chars)
        return _no_control(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str, info: ValidationInfo) -> str:
        _at_most(value, _limits(info).email_chars)
        checked = _checked_email(value)
        if checked is None:
            raise ValueError("not a valid email address")
        return checked

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        value = _no_control(value.strip())
        _at_most(value, _limits(info).url_chars)
        if "://" not in value and ":" not in value.split("/", 1)[0]:
            value = "http://" + value  # readers type "example.com"; WordPress does the same
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https"):
            raise ValueError("must be an http or https address")
        if not parts.hostname or ("." not in parts.hostname and parts.hostname != "localhost"):
            raise ValueError("not a valid web address")
        if any(ch.isspace() for ch in value):
            raise ValueError("not a valid web address")
        return value

    @field_validator("article_title")
    @classmethod
    def _article_title(cls, value: str | None) -> str | None:
        return None if value is None else _no_control(" ".join(value.split()))

    @field_validator("article_url")
    @classmethod
    def _article_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _no_control(value.strip())
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http or https address")
        if any(ch.isspace() for ch in value):
            raise ValueError("not a valid web address")
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        limit = _limits(info).body_bytes
        size = len(value.encode("utf-8"))
        if size > limit:
            raise ValueError(f"must be at most {limit} bytes (it is {size})")
        return _no_control(value).strip()


class SubmissionStatus(BaseModel):
    """The answer to a submission."""

    id: int
    status: Literal["approved", "pending", "rejected"]
    article: str
    parent_id: int | None
    created_at: datetime
    message: str


class PublicComment(BaseModel):
    """An approved comment as readers see it: no email, no IP."""

    id: int
    parent_id: int | None
    name: str
    url: str | None
    body: str
    created_at: datetime
    replies: list[PublicComment] = Field(default_factory=list)


class CommentPage(BaseModel):
    items: list[PublicComment]
    next_cursor: str | None
    total: int
