"""What an export holds, read into plain values: articles, comments, what was skipped.

The readers (wxr.py, disqus.py) produce an `Export`; nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from moderation.domain import CONTROL, Rejection, Status


class ExportError(ValueError):
    """The file cannot be read as the export it claims to be; names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    article: str  # the key comments carry (comments.article)
    title: str | None
    url: str | None
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class CommentRecord:
    origin_id: str  # the comment's id in the exporting system
    parent_origin_id: str | None
    article: str
    name: str
    email: str
    url: str | None
    client_ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    user_agent: str | None
    body: str
    created_at: datetime
    status: Status
    rejection: Rejection | None
    line: int

    @property
    def label(self) -> str | None:
        """Training truth: approved is ham, spam is spam, the rest teaches nothing."""
        if self.status is Status.APPROVED:
            return "ham"
        if self.rejection is Rejection.SPAM:
            return "spam"
        return None


@dataclass(frozen=True, slots=True)
class Skip:
    line: int
    what: str  # "comment 123", "item 45"
    reason: str


@dataclass(frozen=True, slots=True)
class Rekey:
    """An article whose key in the export could not be used as it was, and what it got."""

    line: int
    exported: str  # the exporting system's key ('' when it had none)
    article: str  # the key it was given
    reason: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The API's field limits (MAX_BODY_BYTES, MAX_NAME_CHARS, MAX_EMAIL_CHARS): an
    imported comment keeps to them as a posted one does."""

    body_bytes: int
    name_chars: int = 245
    email_chars: int = 100


@dataclass
class Export:
    """One export file, read: where it came from and what it holds."""

    source: str  # 'wordpress' or 'disqus': the training labels' source
    origin: str = ""  # 'wordpress:<site address>' or 'disqus:<forum>': scopes the ids
    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    comments: list[CommentRecord] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    rekeyed: list[Rekey] = field(default_factory=list)
    adjusted: list[Skip] = field(default_factory=list)  # kept, with a field cut or left out

    def skip(self, line: int, what: str, reason: str) -> None:
        self.skipped.append(Skip(line, what, reason))

    def adjust(self, line: int, what: str, reason: str) -> None:
        self.adjusted.append(Skip(line, what, reason))

    def author(
        self, line: int, what: str, name: str, email: str, limits: Limits
    ) -> tuple[str, str]:
        """A commenter's name and email within the API's limits: control characters
        dropped, an over-long name cut, an over-long email left out (a cut address is
        someone else's); each change noted."""
        name = " ".join(CONTROL.sub("", name).split()) or "Anonymous"
        if len(name) > limits.name_chars:
            name = name[: limits.name_chars].rstrip()
            self.adjust(line, what, "name longer than MAX_NAME_CHARS: cut")
        if len(email) > limits.email_chars:
            email = ""
            self.adjust(line, what, "email longer than MAX_EMAIL_CHARS: left out")
        return name, email

    def skipped_by_reason(self) -> Counter[str]:
        return Counter(s.reason for s in self.skipped)
