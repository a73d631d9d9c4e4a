"""The embed page's Report link: a plain form that works without JavaScript.

GET /embed/{article}/report/{id} shows the comment's opening words and the
reasons; the POST records the flag through intake/flags.py (the same limits as
POST /v1/comments/{id}/flags) and goes back to the article with a notice.

CSRF: a reader is anonymous, so there is no session to bind a token to; what a
forged post could do is make many visitors' browsers report a comment for an
attacker. Browsers name the page a form was sent from (`Origin`, and
`Sec-Fetch-Site`): a post from any other site is refused with 403.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from moderation.http.requests import client_ip, path_id, read_payload
from moderation.intake import flags, readers
from moderation.keys import POOL, SETTINGS
from moderation.ops import reader_links
from moderation.problems import Problem
from moderation.store import flags as flag_store
from moderation.web.embed import _article, embed_path, embed_site
from moderation.web.render import render

REASONS = (
    ("spam", "Spam or advertising"),
    ("abuse", "Abusive or hateful"),
    ("off_topic", "Off topic"),
    ("other", "Something else"),
)
EXCERPT_CHARS = 280


def same_origin(request: web.Request) -> bool:
    """The form was sent from one of our own pages (or by a client that names no page)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc.lower() == request.host.lower()


async def _comment(request: web.Request, site: str, article: str) -> tuple[int, str]:
    comment_id = path_id(request.match_info["id"])
    row = await flag_store.published_excerpt(request.app[POOL], site, comment_id, article)
    if row is None:
        raise Problem(404, "Not found", "There is no such published comment on this article.")
    body = str(row["body"])
    excerpt = body if len(body) <= EXCERPT_CHARS else body[:EXCERPT_CHARS].rstrip() + "…"
    return comment_id, excerpt


def _form(
    request: web.Request,
    site: str,
    article: str,
    comment_id: int,
    excerpt: str,
    *,
    chosen: str = "",
    note: str = "",
    message: str | None = None,
    status: int = 200,
) -> web.Response:
    back = embed_path(site, article)
    return render(
        request,
        "embed_report.html",
        {
            "action": f"{back}/report/{comment_id}",
            "back": f"{back}#comment-{comment_id}",
            "excerpt": excerpt,
            "reasons": REASONS,
            "chosen": chosen,
            "note": note,
            "message": message,
        },
        status=status,
    )


async def report_page(request: web.Request) -> web.StreamResponse:
    site = await embed_site(request)
    article = _article(request)
    comment_id, excerpt = await _comment(request, site, article)
    return _form(request, site, article, comment_id, excerpt)


async def report_post(request: web.Request) -> web.StreamResponse:
    site = await embed_site(request)
    article = _article(request)
    if not same_origin(request):
        raise Problem(403, "Form refused", "A report must be sent from this site's own page.")
    comment_id, excerpt = await _comment(request, site, article)
    data = await read_payload(request)
    reason = str(data.get("reason") or "")
    note = str(data.get("note") or "").strip()[:500]
    if reason not in flags.REASONS:
        return _form(
            request,
            site,
            article,
            comment_id,
            excerpt,
            note=note,
            message="Choose what is wrong with the comment.",
            status=422,
        )
    settings = request.app[SETTINGS]
    try:
        await flags.flag(
            request.app,
            site,
            comment_id,
            reason,
            note or None,
            client_ip(request, settings.trusted_proxies),
            weight=await readers.flag_weight(
                request.app, site, request.cookies.get(reader_links.COOKIE)
            ),
        )
    except Problem as exc:
        if exc.status not in (409, 429):
            raise
        page = _form(
            request,
            site,
            article,
            comment_id,
            excerpt,
            chosen=reason,
            note=note,
            message=exc.detail or exc.title,
            status=exc.status,
        )
        page.headers.update(exc.headers)
        return page
    raise web.HTTPSeeOther(location=embed_path(site, article) + "?posted=reported#comment-held")
