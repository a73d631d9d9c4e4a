"""What an export holds, read into plain values: articles, comments, what was skipped.

The readers (wxr.py, disqus.py) produce an `Export`; nothing here does I/O.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from moderation.domain import Rejection, Status


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


@dataclass
class Export:
    """One export file, read: where it came from and what it holds."""

    source: str  # 'wordpress' or 'disqus': the training labels' source
    origin: str = ""  # 'wordpress:<site address>' or 'disqus:<forum>': scopes the ids
    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    comments: list[CommentRecord] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    def skip(self, line: int, what: str, reason: str) -> None:
        self.skipped.append(Skip(line, what, reason))

    def skipped_by_reason(self) -> Counter[str]:
        return Counter(s.reason for s in self.skipped)
