"""The words of the domain (API.md): statuses, rejections, decisions, roles.

Plain values with no I/O, shared by the API, the policy and the store.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class Rejection(StrEnum):
    SPAM = "spam"
    REMOVED = "removed"


AUTO = "auto"

# The site of a new installation, and of everything that names no site (issue 13).
DEFAULT_SITE = "default"

# Unicode's control characters (category Cc) are exactly these 65, for good: its
# stability policy adds none. Text may hold none of them but tab and line breaks: the
# API refuses them (http/schemas.py, the OpenAPI patterns), imports remove them.
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
CONTROL = re.compile(f"[{CONTROL_CHARS}]")

# An article's key (comments.article) as pages and the API name it: at most this many
# characters, no white space, no control characters (http/schemas.py checks it).
ARTICLE_MAX_CHARS = 200


class ArticleState(StrEnum):
    """Whether an article takes comments (issue 16): as usual, all held, or none."""

    OPEN = "open"
    PREMODERATED = "premoderated"  # every comment waits for a moderator
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Comment:
    """A validated comment with what the request told about its sender."""

    article: str
    name: str
    email: str
    body: str
    url: str | None = None
    parent_id: int | None = None
    client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    user_agent: str | None = None
    referrer: str | None = None
    honeypot: str | None = None  # what a bot typed into the hidden field, if anything
    article_title: str | None = None  # the page's title and address, as the form sent them
    article_url: str | None = None
    site: str = DEFAULT_SITE


@dataclass(frozen=True, slots=True)
class Facts:
    """What the database knows about a comment's sender, gathered before deciding."""

    author_has_approved: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one comment and everything that explains it."""

    status: Status
    rejection: Rejection | None
    reasons: tuple[str, ...]
    spam_score: float | None = None
    model_version: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.status is Status.REJECTED) != (self.rejection is not None):
            raise ValueError("a rejection reason goes with status rejected, and only with it")


# --- who acts: API tokens and their roles ---------------------------------------------
# A token is shown once when it is made; only its SHA-256 is stored.

PREFIX = "mod_"


class Role(StrEnum):
    MODERATOR = "moderator"
    ADMIN = "admin"
    SITE = "site"  # an Akismet-style API key for one site


# What each role may also act as.
_GRANTS = {
    Role.ADMIN: {Role.ADMIN, Role.MODERATOR, Role.SITE},
    Role.MODERATOR: {Role.MODERATOR},
    Role.SITE: {Role.SITE},
}


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: Role
    site: str | None = None  # the one site the token is for; None: every site

    def sees(self, site: str) -> bool:
        return self.site is None or self.site == site

    def may(self, role: Role) -> bool:
        return role in _GRANTS[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def new_site_key() -> str:
    """A site key as Akismet's: 12 lowercase hex characters (48 bits), because the
    WordPress plugin keeps only hex characters and refuses any other length, and host
    names (the key-in-subdomain form) are case-insensitive."""
    return secrets.token_hex(6)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
