"""Where a form post may send the browser afterwards: `redirect_to`, read as a browser would.

A browser parsing a `Location` drops leading and trailing control characters
and spaces, removes every tab, CR and LF inside it, and reads a backslash as
a slash (WHATWG URL standard). `/<TAB>/evil.example/x` therefore takes it to
`//evil.example/x`, another site. So the check looks at the browser's reading
of the target, and refuses:

- any control character inside it (it cannot go into a header: aiohttp
  would refuse the answer after the comment was stored), including the ones
  a browser would drop, since no form of ours sends them; whitespace at the
  edges is trimmed, as it always was;
- a backslash anywhere, and a scheme-relative `//host` after normalising;
- an absolute address whose origin is neither this host nor configured.

The check runs before anything is stored, so a refused target is a clean 422.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_EDGES = "".join(chr(c) for c in range(0x21))  # C0 controls and space


def browser_reading(target: str) -> str:
    """The URL a browser would parse: edges trimmed, tabs and newlines removed."""
    return _TAB_OR_NEWLINE.sub("", target.strip(_EDGES))


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def redirect_target(target: str, *, host: str, allowed: Iterable[str]) -> str | None:
    """The `Location` to answer with, or None when the target may not be followed."""
    seen = browser_reading(target)
    if not seen or _has_control(target.strip()) or "\\" in seen:
        return None
    if seen.startswith("/"):
        return None if seen.startswith("//") else seen
    parts = urlsplit(seen)
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin in {o.strip().rstrip("/").lower() for o in allowed} or parts.netloc == host:
        return seen
    return None
