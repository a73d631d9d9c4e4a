"""Signing in to the desk with a token, and signing out."""

from __future__ import annotations

from aiohttp import web

from moderation.domain import Principal, Role, digest
from moderation.http.requests import client_ip
from moderation.intake import flood
from moderation.keys import POOL, SECRET_KEY, SETTINGS
from moderation.problems import Problem
from moderation.store import sessions as session_store
from moderation.store import sites as site_store
from moderation.store import tokens
from moderation.store.desk import release_others
from moderation.web import sessions
from moderation.web.render import render, see_other

LOGIN_PATH = "/desk/login"


def _login_page(
    request: web.Request, next_: str, error: str | None = None, status: int = 200
) -> web.Response:
    """The sign-in form with a fresh signed double-submit CSRF token (no session yet)."""
    cookie, csrf = sessions.login_csrf(request.app[SECRET_KEY])
    response = render(
        request, "login.html", {"csrf": csrf, "next": next_, "error": error}, status=status
    )
    sessions.set_cookie(
        request, response, sessions.LOGIN_COOKIE, cookie, LOGIN_PATH, sessions.LOGIN_FORM_SECONDS
    )
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    next_ = sessions.safe_next(request.query.get("next"))
    if await sessions.current(request) is not None:
        raise web.HTTPSeeOther(location=next_)
    return _login_page(request, next_)


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    sessions.check_login_csrf(request, request.app[SECRET_KEY], form.get("csrf"))
    next_ = sessions.safe_next(str(form.get("next") or ""))
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    pool, settings = request.app[POOL], request.app[SETTINGS]
    ip = client_ip(request, settings.trusted_proxies)
    # Guessing tokens is hopeless (256 random bits), but not worth trying at all. The
    # attempt is counted as a failure first (atomically), and given back if the token is known.
    refusal, attempt = await flood.signin_attempt(pool, settings, request.app[SECRET_KEY], ip)
    if refusal is not None:
        message = f"Too many failed sign-ins: try again in {refusal.retry_after} seconds."
        response = _login_page(request, next_, message, status=429)
        response.headers["Retry-After"] = str(refusal.retry_after)
        return response
    row = await tokens.find_active(pool, digest(token)) if token else None
    if row is None:
        # The token typed is never shown again, not even in the form.
        return _login_page(request, next_, "That token is unknown or revoked.", status=401)
    await flood.signin_succeeded(pool, attempt)
    who = Principal(token_id=row["id"], name=row["name"], role=Role(row["role"]), site=row["site"])
    if not who.may(Role.MODERATOR):
        return _login_page(request, next_, "The desk needs a moderator or admin token.", status=403)
    response = see_other(next_)
    await sessions.open_session(request, response, who)
    sessions.forget_cookie(request, response, sessions.LOGIN_COOKIE, LOGIN_PATH)
    return response


async def switch_site(request: web.Request) -> web.StreamResponse:
    """The desk shows another site from now on (a token of every site, or its own)."""
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    site = str(form.get("site", ""))
    pool = request.app[POOL]
    if not session.who.sees(site) or await site_store.get(pool, site) is None:
        raise Problem(404, "Not found", "There is no such site.")
    await release_others(pool, session.site, session.who.name, [])
    await session_store.switch_site(pool, session.id_hash, site)
    return see_other(sessions.safe_next(str(form.get("back") or "")))


async def logout(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    response = see_other(LOGIN_PATH)
    await sessions.close_session(request, response, session)
    # Whatever this moderator still held goes back to the queue for the others.
    await release_others(request.app[POOL], session.site, session.who.name, [])
    return response
