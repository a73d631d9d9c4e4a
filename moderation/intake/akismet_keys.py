"""Akismet keys and refusals: which site a key stands for, and the errors Akismet gives.

A key is an API token with the site role (or an admin's); 12-hex keys are
case-insensitive, since Node and WHATWG URL clients lowercase host names. Valid
keys are cached for a few seconds (`KeyCache`), so a busy site's checks skip the
token look-up.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from moderation.domain import DEFAULT_SITE, Principal, Role, digest
from moderation.ops.sites import SiteDirectory, origin_of
from moderation.store import sites as site_store
from moderation.store import tokens

AKISMET_KEY = re.compile(r"[0-9a-fA-F]{12}")


class Invalid(Exception):
    """A request Akismet would refuse. `body` is the answer (`invalid` for a key problem,
    else Akismet's message, such as `Missing required field: user_ip.`); `help` goes in
    X-akismet-debug-help; `alert` (code, message) in X-akismet-alert-code/-msg."""

    def __init__(
        self, help_text: str, body: str = "invalid", alert: tuple[str, str] | None = None
    ) -> None:
        super().__init__(help_text)
        self.help = help_text
        self.body = body
        self.alert = alert

    @property
    def key_problem(self) -> bool:
        return self.body == "invalid"


def missing(field: str) -> Invalid:
    message = f"Missing required field: {field}."
    return Invalid(message, body=message)


def bad_field(field: str, why: str) -> Invalid:
    message = f"Invalid field: {field} {why}."
    return Invalid(message, body=message)


REVOKED = ("90001", "This API key was revoked; ask the service's admin for a new site key.")


@dataclass(frozen=True, slots=True)
class Site:
    """Who calls with a key: the token's name (who gave a label) and the site's name."""

    name: str
    site: str
    admin: bool = False


def normalise_key(key: str) -> str:
    """Akismet-style keys (12 hex characters) are case-insensitive: host names are
    lowercased by Node and WHATWG URL clients. Other tokens are kept as they are."""
    key = key.strip()
    return key.lower() if AKISMET_KEY.fullmatch(key) else key


class KeyCache:
    """Valid keys for a few seconds, so a busy site's checks skip the token look-up;
    a revoked key stops working within `seconds`. Unknown keys are not cached."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._rows: dict[str, tuple[float, Any]] = {}

    async def find(self, conn: asyncpg.Connection | asyncpg.Pool, wanted: str) -> Any:
        now = time.monotonic()
        hit = self._rows.get(wanted)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = await tokens.find_active(conn, wanted)
        if row is not None and self.seconds > 0:
            if len(self._rows) > 10_000:
                self._rows.clear()
            self._rows[wanted] = (now + self.seconds, row)
        return row


async def key_site(
    conn: asyncpg.Connection | asyncpg.Pool,
    key: str,
    blog: str | None,
    cache: KeyCache | None = None,
    sites: SiteDirectory | None = None,
) -> Site:
    """The site a valid key stands for; `Invalid` for an unknown key or a bad blog.

    Keys are API tokens with the site role, or an admin's (issue 13). A key of one site
    is that site, and when the site lists origins the blog must be one of them; an
    admin key of every site is the site whose origins hold the blog (else the default
    site). `blog` None: the endpoint needs none. With `sites` (the service's own
    directory, cached for seconds) the site's origins cost no round trip per check.
    """
    key = normalise_key(key)
    if not key:
        raise Invalid('Empty "api_key" value: send your API key.')
    wanted = digest(key)
    row = await (cache.find(conn, wanted) if cache else tokens.find_active(conn, wanted))
    if row is None or not hmac.compare_digest(row["hash"], wanted):
        if await tokens.revoked(conn, wanted):
            raise Invalid("This API key was revoked.", alert=REVOKED)
        raise Invalid("The API key is unknown.")
    role = Role(row["role"])
    if not Principal(row["id"], row["name"], role).may(Role.SITE):
        raise Invalid("This key is not a site key: ask an admin for a token with the site role.")
    host = _blog_host(blog) if blog is not None else None
    origin = origin_of(blog, page=True) if blog is not None else None
    site_id: str | None = row["site"]
    if site_id is None:  # an admin of every site: the blog says which
        found = await site_store.by_origin(conn, origin) if origin else None
        return Site(name=row["name"], site=found or DEFAULT_SITE, admin=True)
    if origin is not None:
        own = await (sites or SiteDirectory(seconds=0)).get(conn, site_id)
        if own is not None and own.origins and origin not in own.origins:
            raise Invalid(f"The blog {host} is not one of this key's site's addresses.")
    return Site(name=row["name"], site=site_id, admin=role is not Role.SITE)


def _blog_host(blog: str) -> str:
    if not blog.strip():
        raise Invalid('Empty "blog" value: send the front page URL of your site.')
    parts = urlsplit(blog.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid('The "blog" value must be the full URL of your site, with http(s)://.')
    return parts.hostname.lower()
