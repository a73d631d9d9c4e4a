"""The desk's Articles page (admins): an article's title, address, state and age limit.

The same settings as GET/PUT /v1/admin/articles/{article} (api/articles.py), parsed
by the same model (ArticleSettingsIn), as a plain form with the desk's CSRF token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from moderation.http.requests import parse
from moderation.http.schemas import Limits
from moderation.http.schemas_moderator import ArticleSettingsIn
from moderation.intake.articles import admission_of
from moderation.keys import POOL
from moderation.ops.pages import page_changed
from moderation.problems import FieldErrors, Problem
from moderation.store import articles as article_store
from moderation.web import sessions
from moderation.web.desk_queue import context
from moderation.web.embed import embed_path
from moderation.web.render import render, see_other

PAGE = "/desk/articles"
STATES = {
    "open": "open",
    "premoderated": "premoderated: every comment waits for a moderator",
    "closed": "closed: no new comments",
}
FIELDS = ("title", "url", "state", "close_after_days")


async def _admin(request: web.Request) -> sessions.DeskSession:
    session = await sessions.required(request)
    if not session.who.is_admin:
        raise Problem(403, "Admins only", "Article settings are for admins.")
    return session


def _article(raw: Any) -> str:
    article = str(raw or "").strip()
    return article if len(article) <= Limits().article_chars else ""


async def _page(
    request: web.Request,
    session: sessions.DeskSession,
    article: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    row = (
        await article_store.with_settings(request.app[POOL], session.site, article)
        if article
        else None
    )
    if values is None:
        values = {f: "" if row is None or row[f] is None else str(row[f]) for f in FIELDS}
        values["state"] = values["state"] or "open"
    ctx = await context(
        request,
        session,
        "articles",
        article=article,
        values=values,
        errors=errors or {},
        states=STATES,
        effective=admission_of(row).state.value if article else None,
        embed=embed_path(session.site, article) if article else None,
    )
    return render(request, "articles.html", ctx, status=status)


async def articles_page(request: web.Request) -> web.StreamResponse:
    session = await _admin(request)
    return await _page(request, session, _article(request.query.get("article")))


async def articles_form(request: web.Request) -> web.StreamResponse:
    session = await _admin(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    article = _article(form.get("article"))
    values = {f: str(form.get(f) or "").strip() for f in FIELDS}
    if not article:
        return await _page(request, session, "", values, {"article": "name an article"}, 422)
    try:
        body = parse(ArticleSettingsIn, {k: v for k, v in values.items() if v}, {})
    except FieldErrors as exc:
        errors: dict[str, str] = {}
        for e in exc.errors:
            errors.setdefault(e["field"], e["message"])
        return await _page(request, session, article, values, errors, 422)
    await article_store.put_settings(
        request.app[POOL],
        session.site,
        article,
        title=body.title,
        url=body.url,
        state=body.state,
        close_after_days=body.close_after_days,
    )
    page_changed(request.app, session.site, article)  # this instance now, others by NOTIFY
    await sessions.flash(request, session, {"kind": "ok", "text": f"Saved {article}."})
    return see_other(f"{PAGE}?article={quote(article, safe='')}")
