"""Response headers for the pages, and whether a request reached us over TLS.

Every page gets a Content-Security-Policy without 'unsafe-inline': scripts and
styles come only from /static, so text that slipped through escaping still
could not run. The desk may not be framed at all; the embed only by 'self'
(the /demo page) and the origins in `settings.embed_origins`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Sequence

from aiohttp import web

from moderation.http.requests import peer_within
from moderation.keys import SETTINGS
from moderation.settings import Settings

log = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# What a CSP source for a framing site may look like: scheme, host (or *.host), port.
_ORIGIN = re.compile(r"^https?://(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$", re.I)

_BASE = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'"
)

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

PAGE_HEADERS = web.AppKey[dict[str, dict[str, str]]]("page_headers")
# A request's site origins that may frame its embed page too (web/embed.embed_site).
FRAME_ORIGINS = web.RequestKey("frame_origins", tuple[str, ...])


def frame_origins(configured: Sequence[str]) -> list[str]:
    """The configured embedding origins that are safe to put in a CSP header."""
    good = []
    for origin in configured:
        candidate = origin.strip().rstrip("/")
        if _ORIGIN.match(candidate):
            good.append(candidate)
        else:
            log.warning("ignoring embed origin %r: not of the form https://host[:port]", origin)
    return good


def page_headers(settings: Settings) -> dict[str, dict[str, str]]:
    """Headers by area of the site: desk, embed, readers, demo, static."""
    origins = frame_origins(settings.embed_origins)
    ancestors = " ".join(["'self'", *origins])
    embed = {
        **COMMON,
        "Content-Security-Policy": f"{_BASE}; frame-ancestors {ancestors}",
        "Cache-Control": "no-cache",
    }
    if not origins:
        # Old browsers know only X-Frame-Options, which cannot list origins.
        embed["X-Frame-Options"] = "SAMEORIGIN"
    return {
        "desk": {
            **COMMON,
            "Content-Security-Policy": f"{_BASE}; frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
            "Cross-Origin-Opener-Policy": "same-origin",
        },
        "embed": embed,
        # A reader's own page: its address holds their link, so never framed, kept or sent on.
        "readers": {
            **COMMON,
            "Content-Security-Policy": f"{_BASE}; frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
            "Cache-Control": "private, no-store",
            "Referrer-Policy": "no-referrer",
        },
        "demo": {
            **COMMON,
            "Content-Security-Policy": f"{_BASE}; frame-src 'self'; frame-ancestors 'self'",
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-cache",
        },
        "static": {
            **COMMON,
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
            "Cache-Control": "public, max-age=3600",
        },
    }


def area(path: str) -> str | None:
    if path == "/desk" or path.startswith("/desk/"):
        return "desk"
    if path.startswith("/embed/"):
        return "embed"
    if path.startswith("/readers/"):
        return "readers"
    if path == "/demo":
        return "demo"
    if path.startswith("/static/"):
        return "static"
    return None


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the area's headers on every page response, errors included."""
    where = area(request.path)
    if where is None:
        return
    headers = request.app[PAGE_HEADERS][where]
    extra = frame_origins(request.get(FRAME_ORIGINS, ())) if where == "embed" else []
    if extra:
        # The site's own origins join the installation's in frame-ancestors.
        base = frame_origins(request.app[SETTINGS].embed_origins)
        ancestors = " ".join(["'self'", *base, *(o for o in extra if o not in base)])
        headers = {k: v for k, v in headers.items() if k != "X-Frame-Options"}
        headers["Content-Security-Policy"] = f"{_BASE}; frame-ancestors {ancestors}"
    if where == "static" and response.status >= 400:
        headers = {**headers, "Cache-Control": "no-store"}
    elif "Cache-Control" in response.headers:  # a cached page says how long it may be kept
        headers = {k: v for k, v in headers.items() if k != "Cache-Control"}
    response.headers.update(headers)


def is_secure(request: web.Request) -> bool:
    """TLS to us, or to a trusted proxy that says so in X-Forwarded-Proto."""
    if request.secure:
        return True
    if not peer_within(request, request.app[SETTINGS].trusted_proxies):
        return False
    proto = request.headers.get("X-Forwarded-Proto", "")
    return proto.split(",")[0].strip().lower() == "https"
