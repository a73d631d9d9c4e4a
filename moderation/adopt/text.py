"""Export text made plain: comments arrive as HTML fragments, the service stores text.

WordPress keeps a comment as its author typed it (with the few tags it allows),
Disqus as HTML paragraphs. Both become plain text with paragraphs as blank
lines and a link's address kept beside its words, which is what the
classifier reads and what the pages escape and show.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from datetime import UTC, datetime
from html.parser import HTMLParser

from moderation.domain import ARTICLE_MAX_CHARS, CONTROL

_BLOCK = {"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
_SPACES = re.compile(r"[ \t\r\f\v]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._href: list[str | None] = []
        self._since_href = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))
            self._since_href = len(self.parts)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self.parts.append("\n\n")
        elif tag == "a" and self._href:
            href = self._href.pop()
            words = "".join(self.parts[self._since_href :])
            if href and href.startswith(("http://", "https://")) and href not in words:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment, paragraphs kept, tags and entities gone, and no
    control characters but tab and line breaks (the API refuses a body with any; an
    export may carry them as character references such as `&#x85;`)."""
    if "<" not in fragment and "&" not in fragment:
        return CONTROL.sub("", fragment).strip()
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    joined = CONTROL.sub("", "".join(parser.parts))
    lines = (_SPACES.sub(" ", line).strip() for line in joined.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def key_problem(key: str) -> str | None:
    """Why this cannot be an article key as the API and the embed take one, or None."""
    if not key:
        return "empty"
    if len(key) > ARTICLE_MAX_CHARS:
        return f"longer than {ARTICLE_MAX_CHARS} characters"
    if any(ch.isspace() for ch in key):
        return "contains white space"
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        return "contains control characters"
    return None


def unescape(value: str | None) -> str:
    return html.unescape(value or "").strip()


def web_address(value: str | None) -> str | None:
    """An author's website, only when it is an http(s) address."""
    value = (value or "").strip()
    return value if value.startswith(("http://", "https://")) and len(value) <= 2000 else None


def ip_address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def wordpress_time(gmt: str | None, local: str | None) -> datetime | None:
    """WordPress's 'YYYY-MM-DD HH:MM:SS' in UTC, else its local time taken as UTC."""
    for value in (gmt, local):
        value = (value or "").strip()
        if not value or value.startswith("0000-00-00"):
            continue
        try:  # fromisoformat reads 'YYYY-MM-DD HH:MM:SS' too, many times faster than strptime
            parsed = datetime.fromisoformat(value)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


def iso_time(value: str | None) -> datetime | None:
    """An ISO 8601 time (Disqus: 2019-03-04T12:34:56Z); without a zone, UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
