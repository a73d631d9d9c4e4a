"""Comment text for the pages: split into plain segments, never into HTML.

Templates wrap the segments in <mark> or <a> themselves and escape every
segment, so what a stranger wrote can only ever be shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from moderation.classifier.explain import WEIGHT_FLOOR, filler

# scikit-learn's default token pattern, which the model's word features use.
_WORD = re.compile(r"\b\w\w+\b")
_REPEAT = re.compile(r"(.)\1{2,}")
_URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.I)
_TRAILING = ".,;:!?)]}'\""

LINK_REL = "nofollow ugc noopener"


def spam_words(top_features: Iterable[Sequence[Any]]) -> set[str]:
    """Body words whose feature pushed the score towards spam (`words:` terms, weight > 0)."""
    words: set[str] = set()
    for item in top_features:
        if len(item) != 2:
            continue
        term, weight = item
        if not isinstance(term, str) or not isinstance(weight, int | float):
            continue
        if weight < WEIGHT_FLOOR or not term.startswith("words:"):
            continue
        # Decisions stored before the scorer dropped filler words may still name them.
        words.update(w for w in term.removeprefix("words:").split() if not filler(w))
    return words


def _fold(word: str) -> str:
    # As the classifier folds text: lower case, runs of 3+ equal characters cut to two.
    return _REPEAT.sub(r"\1\1", word.lower())


def highlight(body: str, words: set[str]) -> list[tuple[str, bool]]:
    """The body as (text, is_spam_word) segments."""
    if not words:
        return [(body, False)]
    out: list[tuple[str, bool]] = []
    at = 0
    for m in _WORD.finditer(body):
        if _fold(m.group()) not in words:
            continue
        if m.start() > at:
            out.append((body[at : m.start()], False))
        out.append((m.group(), True))
        at = m.end()
    if at < len(body):
        out.append((body[at:], False))
    return out


def safe_href(url: str | None) -> str | None:
    """The URL if it is an http(s) address with a host, else None: nothing else goes in href."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url.strip()):
        return None
    return url.strip()


def linkify(body: str) -> list[tuple[str, str | None]]:
    """The body as (text, href or None) segments; only http(s) addresses become links."""
    out: list[tuple[str, str | None]] = []
    at = 0
    for m in _URL.finditer(body):
        url = m.group().rstrip(_TRAILING)
        href = safe_href(url)
        if href is None:
            continue
        if m.start() > at:
            out.append((body[at : m.start()], None))
        out.append((url, href))
        at = m.start() + len(url)
    if at < len(body):
        out.append((body[at:], None))
    return out


def ago(seconds: float) -> str:
    """A short, rounded age: "just now", "5 min", "3 h", "2 d"."""
    s = max(0, int(seconds))
    if s < 60:
        return "just now"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} d"
