"""A reader's own pages, opened from their mail (issue 16); no JavaScript needed.

GET /readers/confirm?token= shows a button that confirms the address (a POST:
a mail scanner that follows links confirms nothing); GET /readers/comments?token=
lists the reader's comments, each with a Delete form and, for a rejection, an
Appeal form. Every form carries the link's token, which a page on another site
cannot know, and is refused when a browser says it came from another site
(web/embed_report.same_origin). Each page sets the reader's signed cookie
(ops/reader_links.COOKIE), so their reports on the embed page weigh as a
confirmed reader's. The service work is in intake/readers.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from moderation.http.requests import client_ip, path_id, read_payload
from moderation.intake import readers
from moderation.keys import SETTINGS
from moderation.ops import reader_links
from moderation.problems import Problem
from moderation.web.embed import embed_path
from moderation.web.embed_report import same_origin
from moderation.web.render import render, see_other
from moderation.web.security import is_secure

NOTICES = {
    "confirmed": "Thank you: your email address is confirmed.",
    "deleted": "Your comment is deleted.",
    "appealed": "Your appeal is sent: a moderator will look at the comment again.",
}
STATUS_WORDS = {"approved": "Published", "pending": "Awaiting moderation", "rejected": "Rejected"}
EXCERPT_CHARS = 400


def _page_url(token: str, notice: str | None = None) -> str:
    url = f"{reader_links.PAGE_PATH}?token={quote(token, safe='')}"
    return f"{url}&done={notice}" if notice else url


def _remember(request: web.Request, response: web.StreamResponse, email: str) -> None:
    """The reader's cookie: their flags weigh more while the address is confirmed."""
    response.set_cookie(
        reader_links.COOKIE,
        reader_links.token(request.app, reader_links.COOKIE, email, reader_links.COOKIE_DAYS),
        path="/",
        max_age=reader_links.COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
    )


def _from_here(request: web.Request) -> None:
    if not same_origin(request):
        raise Problem(403, "Form refused", "This form must be sent from this site's own page.")


async def confirm_page(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    readers.reader_of(request.app, reader_links.CONFIRM, token)  # 403 for a bad link
    return render(
        request, "readers_confirm.html", {"action": reader_links.CONFIRM_PATH, "token": token}
    )


async def confirm_post(request: web.Request) -> web.StreamResponse:
    _from_here(request)
    data = await read_payload(request)
    email = await readers.confirm(request.app, str(data.get("token") or ""))
    page = reader_links.token(request.app, reader_links.PAGE, email)
    response = see_other(_page_url(page, "confirmed"))
    _remember(request, response, email)
    return response


async def _list(
    request: web.Request,
    token: str,
    email: str,
    *,
    message: str | None = None,
    status: int = 200,
) -> web.Response:
    comments = []
    for c in await readers.own_comments(request.app, email):
        body = c.body if len(c.body) <= EXCERPT_CHARS else c.body[:EXCERPT_CHARS] + "…"
        comments.append(
            {
                "id": c.id,
                "article": c.article,
                "article_href": embed_path(c.site, c.article),
                "body": body,
                "status": c.status.value,
                "status_words": STATUS_WORDS[c.status.value],
                "created_at": c.created_at,
                "can_appeal": c.can_appeal,
            }
        )
    ctx: dict[str, Any] = {
        "comments": comments,
        "token": token,
        "notice": NOTICES.get(request.query.get("done", "")),
        "message": message,
        "base": reader_links.PAGE_PATH,
    }
    response = render(request, "readers.html", ctx, status=status)
    _remember(request, response, email)
    return response


async def comments_page(request: web.Request) -> web.StreamResponse:
    token = request.query.get("token", "")
    email = readers.reader_of(request.app, reader_links.PAGE, token)
    return await _list(request, token, email)


async def _act(request: web.Request) -> tuple[str, str, int, dict[str, Any]]:
    _from_here(request)
    comment_id = path_id(request.match_info["id"])
    data = await read_payload(request)
    token = str(data.get("token") or "")
    email = readers.reader_of(request.app, reader_links.PAGE, token)
    return token, email, comment_id, data


async def delete_post(request: web.Request) -> web.StreamResponse:
    token, email, comment_id, _ = await _act(request)
    ip = client_ip(request, request.app[SETTINGS].trusted_proxies)
    try:
        await readers.delete(request.app, email, comment_id, ip)
    except Problem as exc:
        return await _again(request, token, email, exc)
    return see_other(_page_url(token, "deleted"))


async def appeal_post(request: web.Request) -> web.StreamResponse:
    token, email, comment_id, data = await _act(request)
    ip = client_ip(request, request.app[SETTINGS].trusted_proxies)
    try:
        await readers.appeal(request.app, email, comment_id, str(data.get("note") or ""), ip)
    except Problem as exc:
        return await _again(request, token, email, exc)
    return see_other(_page_url(token, "appealed"))


async def _again(request: web.Request, token: str, email: str, exc: Problem) -> web.Response:
    """The list again, saying what went wrong (not theirs, too fast, not appealable)."""
    if exc.status not in (404, 409, 422, 429):
        raise exc
    detail = exc.detail or exc.title
    if exc.status == 422:
        detail = "Say in a few words why the comment should be published."
    page = await _list(request, token, email, message=detail, status=exc.status)
    page.headers.update(exc.headers)
    return page
