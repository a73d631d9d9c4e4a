"""Signed links that stand for a reader's email address (no account, no password).

A link carries the site and the address (a reader's identity is per site, as
everything else: issue 13), its expiry and an HMAC under the service's key
(ops/signing.py), signed for one purpose: a confirmation link cannot be used
as a page link, nor a cookie as either. The reader's cookie (set when they
confirm or open their page) makes their flags weigh more (intake/flags.py).
"""

from __future__ import annotations

import time
from urllib.parse import quote

from aiohttp import web

from moderation.keys import SETTINGS
from moderation.ops.signing import SECRET, sign_expiring, unsign_expiring

CONFIRM = "reader-confirm"
PAGE = "reader-page"
COOKIE = "reader"  # the purpose and the cookie's name
COOKIE_DAYS = 365
CONFIRM_PATH = "/readers/confirm"
PAGE_PATH = "/readers/comments"


def identity(site: str, email: str) -> str:
    """What a link stands for: an address on a site (site ids never hold a colon)."""
    return f"{site}:{email.lower()}"


def split(reader: str) -> tuple[str, str]:
    """The (site, email) of an identity."""
    site, _, email = reader.partition(":")
    return site, email


def token(app: web.Application, purpose: str, reader: str, days: float | None = None) -> str:
    days = app[SETTINGS].reader_link_days if days is None else days
    return sign_expiring(app[SECRET], purpose, reader, time.time() + days * 86400)


def reader_of(app: web.Application, purpose: str, signed: str | None) -> str | None:
    """The identity a link or cookie stands for, if signed for `purpose` and not expired."""
    found = unsign_expiring(app[SECRET], purpose, signed, time.time())
    return found if found and ":" in found else None


def url(app: web.Application, path: str, purpose: str, reader: str) -> str:
    """An absolute link for a mail (settings.public_url is the service's address)."""
    base = (app[SETTINGS].public_url or "").rstrip("/")
    return f"{base}{path}?token={quote(token(app, purpose, reader), safe='')}"
