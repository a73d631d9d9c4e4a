"""The admin API for per-article settings: title, address, state, age limit."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from moderation.domain import Role
from moderation.http.auth import require_site
from moderation.http.requests import parse, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas import Limits
from moderation.http.schemas_moderator import ArticleSettingsIn
from moderation.intake.articles import admission_of
from moderation.keys import POOL
from moderation.ops.pages import page_changed
from moderation.problems import Problem
from moderation.store import articles as article_store


def _key(request: web.Request) -> str:
    article = request.match_info["article"]
    if not article.strip() or len(article) > Limits().article_chars:
        raise Problem(404, "Not found", "There is no such article.")
    return article


def article_view(row: Any) -> dict[str, Any]:
    return {
        "article": row["article"],
        "title": row["title"],
        "url": row["url"],
        "state": row["state"],
        "close_after_days": row["close_after_days"],
        "closes_at": row["closes_at"],
        "effective_state": admission_of(row).state.value,
        "published_at": row["published_at"],
        "updated_at": row["updated_at"],
    }


async def show_article(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    row = await article_store.with_settings(request.app[POOL], site, _key(request))
    if row is None:
        raise Problem(404, "Not found", "No settings are stored for this article: it is open.")
    return json_response(article_view(row))


async def put_article(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    article = _key(request)
    body = parse(ArticleSettingsIn, await read_payload(request), {})
    row, created = await article_store.put_settings(
        request.app[POOL],
        site,
        article,
        title=body.title,
        url=body.url,
        state=body.state,
        close_after_days=body.close_after_days,
    )
    # This instance's pages go now; the others' when the trigger's NOTIFY reaches them.
    page_changed(request.app, site, article)
    return json_response(article_view(row), status=201 if created else 200)
