"""Desk sessions: a cookie that names a row in PostgreSQL, and CSRF checks.

The cookie carries a random session id; the database keeps only its SHA-256,
the token it was opened with, a CSRF secret and the expiry. Every instance of
the service can therefore read every session, and revoking the token ends
them all. Forms carry the session's CSRF secret; the sign-in form, which has
no session yet, uses a signed double-submit token instead: the cookie holds a
random value, the form an expiry and the HMAC of both under the service's
secret key, so a cookie planted from a sibling subdomain (same site, so
SameSite does not stop it) cannot be matched without the key. A sign-in the
browser says came from another origin of the site (`Sec-Fetch-Site`) is
refused as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from moderation.domain import DEFAULT_SITE, Principal, Role, digest
from moderation.keys import POOL, SETTINGS
from moderation.problems import Problem
from moderation.store import sessions as session_store
from moderation.web.security import is_secure

COOKIE = "desk_session"
LOGIN_COOKIE = "desk_login"
PATH = "/desk"
LOGIN_FORM_SECONDS = 3600  # a sign-in form (and its cookie) is good for an hour


@dataclass(frozen=True, slots=True)
class DeskSession:
    id_hash: str
    who: Principal
    csrf: str
    expires_at: datetime
    flash: list[dict[str, str]] = field(default_factory=list)
    site: str = DEFAULT_SITE  # the site the desk shows (a token of all sites may switch)


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, path: str, age: int
) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        max_age=age,
        httponly=True,
        samesite="Strict",
        secure=is_secure(request),
    )


def forget_cookie(request: web.Request, response: web.StreamResponse, name: str, path: str) -> None:
    set_cookie(request, response, name, "", path, 0)


async def open_session(request: web.Request, response: web.StreamResponse, who: Principal) -> None:
    sid = secrets.token_urlsafe(32)
    hours = request.app[SETTINGS].session_hours
    await session_store.create(
        request.app[POOL],
        digest(sid),
        who.token_id,
        secrets.token_urlsafe(32),
        timedelta(hours=hours),
        who.site or DEFAULT_SITE,
    )
    set_cookie(request, response, COOKIE, sid, PATH, int(hours * 3600))


async def close_session(
    request: web.Request, response: web.StreamResponse, session: DeskSession
) -> None:
    await session_store.delete(request.app[POOL], session.id_hash)
    forget_cookie(request, response, COOKIE, PATH)


async def current(request: web.Request, take_flash: bool = False) -> DeskSession | None:
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    row = await session_store.find(request.app[POOL], digest(sid), take_flash)
    if row is None:
        return None
    role = Role(row["role"])
    if role not in (Role.MODERATOR, Role.ADMIN):
        return None
    return DeskSession(
        id_hash=row["id_hash"],
        who=Principal(
            token_id=row["token_id"], name=row["name"], role=role, site=row["token_site"]
        ),
        csrf=row["csrf_secret"],
        expires_at=row["expires_at"],
        flash=list(row["flash"] or []),
        site=row["site"],
    )


def login_url(request: web.Request) -> str:
    return "/desk/login?next=" + quote(request.path_qs, safe="")


async def required(request: web.Request) -> DeskSession:
    """The signed-in moderator; pages send others to sign in, forms are refused with 401."""
    session = await current(request, take_flash=request.method == "GET")
    if session is not None:
        return session
    if request.method in ("GET", "HEAD"):
        raise web.HTTPSeeOther(location=login_url(request))
    raise Problem(
        401, "Signed out", "Your desk session has ended or is unknown: sign in again and retry."
    )


def check_csrf(expected: str | None, sent: Any) -> None:
    """403 unless the form carries the expected CSRF token."""
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(expected, sent):
        raise Problem(
            403,
            "Form refused",
            "The form did not carry a valid CSRF token. Reload the page and try again.",
        )


def _login_mac(key: bytes, nonce: str, expires: int) -> str:
    message = f"desk-login\x1f{nonce}\x1f{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def login_csrf(key: bytes) -> tuple[str, str]:
    """A new sign-in form's (cookie value, form token)."""
    nonce = secrets.token_urlsafe(32)
    expires = int(time.time()) + LOGIN_FORM_SECONDS
    return nonce, f"{expires}.{_login_mac(key, nonce, expires)}"


def check_login_csrf(request: web.Request, key: bytes, sent: Any) -> None:
    """403 unless the form's token was made by this service for the cookie it came with,
    within the hour, and the browser does not say the post came from another origin."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        nonce = None  # a form on a sibling site: refused whatever it carries
    expected = None
    if nonce and isinstance(sent, str) and "." in sent:
        expires, _, _ = sent.partition(".")
        if expires.isdigit() and int(expires) >= time.time():
            expected = f"{expires}.{_login_mac(key, nonce, int(expires))}"
    check_csrf(expected, sent)


async def flash(request: web.Request, session: DeskSession, *messages: dict[str, str]) -> None:
    """Messages for the next page this session sees."""
    if messages:
        await session_store.add_flash(request.app[POOL], session.id_hash, list(messages))


def safe_next(target: str | None, default: str = "/desk") -> str:
    """A desk path to go back to; anything else (other sites, odd paths) is the default."""
    if not target or not target.startswith(PATH) or target.startswith("//"):
        return default
    if any(ch in target for ch in "\\\r\n\t") or not (target == PATH or target[len(PATH)] in "/?#"):
        return default
    return target
