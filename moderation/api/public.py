"""The public API: article pages submit comments and read approved ones."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from aiohttp import web

from moderation.domain import DEFAULT_SITE, Comment, Principal, Status
from moderation.http import cursors
from moderation.http.auth import authenticate, bearer
from moderation.http.pagecache import cached_page
from moderation.http.redirects import redirect_target
from moderation.http.requests import (
    client_ip,
    comment_from,
    int_param,
    is_form,
    parse,
    read_payload,
)
from moderation.http.responses import json_response
from moderation.http.schemas import CommentIn, CommentPage, Limits, PublicComment, SubmissionStatus
from moderation.intake import idempotency
from moderation.intake.submission import Submitted, accept, shown_status
from moderation.intake.verdicts import Checks
from moderation.keys import POOL, SECRET_KEY, SETTINGS
from moderation.ops import sites
from moderation.ops.pages import page_key
from moderation.problems import FieldErrors
from moderation.settings import Settings
from moderation.store import pages as page_store

MESSAGES = {
    Status.APPROVED: "Your comment is published.",
    Status.PENDING: "Your comment is awaiting moderation.",
    Status.REJECTED: "Your comment was not published.",
}


async def trusted_caller(request: web.Request) -> Principal | None:
    """The holder of a Bearer token (any role), who skips flood limits; 401 for a bad one.

    Other schemes are ignored: a browser sends Basic credentials of a protected site.
    """
    token = bearer(request)
    return None if token is None else await authenticate(request, token)


def to_response(answer: idempotency.Answer) -> web.Response:
    return web.Response(
        status=answer.status,
        body=answer.body,
        content_type=answer.content_type,
        headers=answer.headers,
    )


async def submit_comment(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    caller = await trusted_caller(request)
    data = await read_payload(request)
    ip = client_ip(request, settings.trusted_proxies)
    retry = idempotency.idempotency_key(
        request.headers.get("Idempotency-Key"),
        token_id=caller.token_id if caller else None,
        ip=ip,
        request=data,
        secret=request.app[SECRET_KEY],
    )
    limits = Limits.from_settings(settings)
    site = await sites.require_known(request.app, request.app[POOL], site_field(data))
    # Checked before anything is stored: a Location aiohttp refuses would drop the answer.
    asked = str(data.pop("redirect_to", "") or "")
    redirect_to = ""
    if asked.strip():
        allowed = [*settings.allowed_origins, *site.origins]
        target = redirect_target(asked, host=request.host, allowed=allowed)
        if target is None:
            raise FieldErrors([{"field": "redirect_to", "message": "not an allowed address"}])
        redirect_to = target
    told = sites.directory(request.app).settings_of(settings, site)  # what its author is told
    incoming = parse(CommentIn, data, {"limits": limits})
    comment = comment_from(request, incoming, data, ip)
    app = request.app
    _, answer = await accept(
        app,
        comment,
        checks=Checks.from_settings(settings, trusted=caller is not None, key=app[SECRET_KEY]),
        retry=retry,
        respond=lambda done: _answer(request, done, comment, redirect_to, told),
    )
    assert answer is not None
    return to_response(answer)


def site_field(data: dict[str, Any]) -> str:
    """The site a submission names (a form's field or JSON's); none: the default site."""
    value = data.get("site")
    return value if isinstance(value, str) and value else DEFAULT_SITE


def _answer(
    request: web.Request, done: Submitted, comment: Comment, redirect_to: str, told: Settings
) -> idempotency.Answer:
    shown = shown_status(done.decision.status, told)
    if redirect_to and is_form(request):
        anchor = f"#comment-{done.stored.id}" if shown is Status.APPROVED else "#comment-held"
        return idempotency.Answer(303, headers={"Location": redirect_to.split("#", 1)[0] + anchor})
    answer = SubmissionStatus(
        id=done.stored.id,
        status=shown.value,
        article=comment.article,
        parent_id=comment.parent_id,
        created_at=done.stored.created_at,
        message=MESSAGES[shown],
    )
    return idempotency.Answer(
        201 if shown is Status.APPROVED else 202,
        orjson.dumps(answer.model_dump(mode="json")),
        "application/json",
    )


async def list_comments(request: web.Request) -> web.Response:
    """An article's approved comments: from this instance's page cache (http/pagecache.py).

    `?site=` names the article's site (none: the default site); an unknown site is 404."""
    article = request.match_info["article"]
    site = request.query.get("site") or DEFAULT_SITE
    if await sites.known(request.app, request.app[POOL], site) is None:
        raise sites.unknown(site)
    settings = await sites.settings_for(request.app, site)
    limit = int_param(request, "limit", settings.page_size_default, 1, settings.page_size_max)
    after = cursors.decode_after(request.query.get("cursor"))

    async def make(pool: asyncpg.Pool) -> web.Response:
        async with pool.acquire() as conn:  # one connection for the page's queries
            threads, next_after, total = await page_store.approved_page(
                conn, site, article, after, limit, flagged_shown=settings.flagged_shown
            )
        page = CommentPage(
            items=[PublicComment.model_validate(t) for t in threads],
            next_cursor=cursors.encode(next_after) if next_after is not None else None,
            total=total,
        )
        return json_response(page.model_dump(mode="json"))

    return await cached_page(request, page_key(site, article), f"api:{limit}:{after}", make)
