"""The embeddable article page (/embed/{article}) and the demo article around it (/demo).

An article of another site than the default is /embed/{site}/{article} (issue 13): the
site's origins may frame it.

The comment form is a plain HTML form: it works with JavaScript off, shows
field errors next to the fields with what the reader typed, and answers a
good comment with a 303 back to the page and a notice. The script in
static/embed.js, where JavaScript runs, posts to the JSON API instead.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import asyncpg
from aiohttp import web

from moderation.domain import DEFAULT_SITE, Status
from moderation.http import cursors
from moderation.http.pagecache import cached_page, fresh_page
from moderation.http.requests import (
    client_ip,
    comment_from,
    parse,
    read_payload,
)
from moderation.http.schemas import CommentIn, Limits
from moderation.intake.articles import admission
from moderation.intake.submission import accept, shown_status
from moderation.intake.verdicts import Checks
from moderation.keys import POOL, SECRET_KEY, SETTINGS
from moderation.ops import sites
from moderation.ops.pages import page_key
from moderation.ops.signing import SECRET, sign, unsign
from moderation.problems import FieldErrors, Problem
from moderation.review import text
from moderation.store import pages as page_store
from moderation.store import readers as reader_store
from moderation.web.render import render, see_other
from moderation.web.security import FRAME_ORIGINS, is_secure

DEMO_ARTICLE = "ransomware-hits-hospital"
# The host page's title and address, given in the iframe's address (`?title=&url=`):
# the article's own, sent with each comment. A bad one is dropped, not the reader's fault.
PAGE_FACTS = ("title", "url")
_PAGE_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
FIELDS = ("name", "email", "url", "body", "parent_id")
NOTICES = {
    "published": "Thank you: your comment is published.",
    "held": "Thank you. Your comment is held for moderation and will appear here "
    "once a moderator has approved it.",
    "rejected": "Your comment was not published.",
    "reported": "Thank you for the report: a moderator will look at the comment if other "
    "readers agree.",
}


# The reader's own held comments on this article, in a signed cookie (no account).
HELD_COOKIE = "held"
HELD_KEEP = 10  # the newest this many ids
HELD_DAYS = 30


def _held_ids(request: web.Request) -> list[int]:
    value = unsign(request.app[SECRET], HELD_COOKIE, request.cookies.get(HELD_COOKIE))
    return [int(part) for part in (value or "").split(",") if part.isdigit()][-HELD_KEEP:]


async def _awaiting(request: web.Request, site: str, article: str) -> list[dict[str, Any]]:
    ids = _held_ids(request)
    if not ids:
        return []
    rows = await reader_store.still_held(request.app[POOL], site, article, ids)
    settings = request.app[SETTINGS]
    return [
        {"id": r["id"], "name": r["author_name"], "body": r["body"], "created_at": r["created_at"]}
        for r in rows
        if shown_status(Status(r["status"]), settings) is Status.PENDING
    ]


def _remember_held(
    request: web.Request,
    response: web.StreamResponse,
    site: str,
    article: str,
    comment_id: int,
) -> None:
    ids = [*(i for i in _held_ids(request) if i != comment_id), comment_id][-HELD_KEEP:]
    response.set_cookie(
        HELD_COOKIE,
        sign(request.app[SECRET], HELD_COOKIE, ",".join(map(str, ids))),
        path=embed_path(site, article),
        max_age=HELD_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=is_secure(request),
    )


def _article(request: web.Request) -> str:
    article = request.match_info["article"]
    if (
        len(article) > Limits().article_chars
        or any(ch.isspace() for ch in article)
        or any(unicodedata.category(ch) == "Cc" for ch in article)
    ):
        raise Problem(404, "Not found", "There is no such article.")
    return article


async def embed_site(request: web.Request) -> str:
    """The site of the embed path (none: the default site); 404 for an unknown one. Its
    origins may frame the page (web/security.py)."""
    site_id = request.match_info.get("site", DEFAULT_SITE)
    site = await sites.known(request.app, request.app[POOL], site_id)
    if site is None:
        raise Problem(404, "Not found", "There is no such site.")
    request[FRAME_ORIGINS] = site.origins
    return site.id


def embed_path(site: str, article: str) -> str:
    if site == DEFAULT_SITE:
        return "/embed/" + quote(article, safe="")
    return f"/embed/{site}/" + quote(article, safe="")


def page_facts(query: Any) -> dict[str, str]:
    """`title` and `url` of the iframe's address, clean enough to send, else left out."""
    facts: dict[str, str] = {}
    title = " ".join(str(query.get("title", "")).split())
    if title and title.isprintable():
        facts["title"] = title[:300]
    url = str(query.get("url", "")).strip()
    if len(url) <= 2048 and _PAGE_URL.match(url):
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:  # a broken IPv6 literal
            host = ""
        if "." in host or host == "localhost":
            facts["url"] = url
    return facts


def _shown(node: dict[str, Any]) -> dict[str, Any]:
    """A published comment for the template: body segments, a safe author link, replies."""
    return {
        "id": node["id"],
        "name": node["name"],
        "href": text.safe_href(node["url"]),
        "segments": text.linkify(node["body"]),
        "created_at": node["created_at"],
        "replies": [_shown(r) for r in node["replies"]],
    }


def _find(nodes: list[dict[str, Any]], comment_id: int) -> dict[str, Any] | None:
    for node in nodes:
        if node["id"] == comment_id:
            return node
        found = _find(node["replies"], comment_id)
        if found is not None:
            return found
    return None


async def _page(
    request: web.Request,
    pool: asyncpg.Pool,
    site: str,
    article: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> web.Response:
    settings = await sites.settings_for(request.app, site)
    after = cursors.decode_after(request.query.get("cursor"))
    threads, next_after, total = await page_store.approved_page(
        pool,
        site,
        article,
        after,
        settings.page_size_default,
        flagged_shown=settings.flagged_shown,
    )
    shown = [_shown(t) for t in threads]
    parent = values.get("parent_id", "")
    replying = _find(shown, int(parent)) if parent.isdigit() else None
    field_errors = {k: v for k, v in errors.items() if k in FIELDS and k != "parent_id"}
    ctx = {
        "article": article,
        "site": site,
        "action": embed_path(site, article),
        "threads": shown,
        "total": total,
        "next_cursor": cursors.encode(next_after) if next_after is not None else None,
        "notice": NOTICES.get(request.query.get("posted", "")),
        "values": values,
        "errors": field_errors,
        "other_errors": [v for k, v in errors.items() if k not in field_errors],
        "parent_id": parent if parent.isdigit() else "",
        "replying_to": replying["name"] if replying else None,
        "honeypot": settings.honeypot_field,
        "notices": NOTICES,
        "article_state": (await admission(request.app[POOL], site, article)).state.value,
        "awaiting": await _awaiting(request, site, article),
    }
    return render(request, "embed.html", ctx, status=status)


async def embed_page(request: web.Request) -> web.StreamResponse:
    """The article's page: the same for every reader, so from the page cache
    (http/pagecache.py), unless it answers a reply link or a post, or shows the
    reader's own held comments."""
    site = await embed_site(request)
    article = _article(request)
    reply_to = request.query.get("reply_to", "")
    values = {"parent_id": reply_to} if reply_to.isdigit() else {}

    async def make(pool: asyncpg.Pool) -> web.Response:
        return await _page(request, pool, site, article, values, {})

    # A reader with held comments of their own sees them on the page: never cache that,
    # here or in a proxy.
    own = bool(_held_ids(request))
    # The page does not show the host page's title and address (the form posts back to
    # its own address, query included), so it stays one cached page.
    if set(request.query) <= {"cursor", *PAGE_FACTS} and not own:
        after = cursors.decode_after(request.query.get("cursor"))
        return await cached_page(request, page_key(site, article), f"embed:{after}", make)
    response = await fresh_page(request, page_key(site, article), make)
    if own:
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def embed_post(request: web.Request) -> web.StreamResponse:
    site = await embed_site(request)
    article = _article(request)
    settings = await sites.settings_for(request.app, site)
    data = await read_payload(request)
    values = {f: str(data.get(f) or "") for f in FIELDS}
    app = request.app
    facts = page_facts(request.query)
    about = {f"article_{k}": v for k, v in facts.items()}
    try:
        incoming = parse(
            CommentIn,
            {**about, **data, "article": article, "site": site},
            {"limits": Limits.from_settings(settings)},
        )
        comment = comment_from(
            request, incoming, data, client_ip(request, settings.trusted_proxies)
        )
        done, _ = await accept(
            app,
            comment,
            checks=Checks.from_settings(settings, trusted=False, key=app[SECRET_KEY]),
        )
    except FieldErrors as exc:
        errors: dict[str, str] = {}
        for e in exc.errors:
            errors.setdefault(e["field"], e["message"])
        return await _page(request, app[POOL], site, article, values, errors, status=422)
    except Problem as exc:
        if exc.status not in (403, 409, 429):
            raise
        # Closed, too fast, or said already: the page again, with what the reader typed.
        page = await _page(
            request,
            app[POOL],
            site,
            article,
            values,
            {"form": exc.detail or exc.title},
            exc.status,
        )
        page.headers.update(exc.headers)
        return page
    assert done is not None
    status = shown_status(done.decision.status, settings)
    if status is Status.APPROVED:
        target = f"?posted=published#comment-{done.stored.id}"
    elif status is Status.PENDING:
        target = "?posted=held#comment-held"
    else:
        target = "?posted=rejected#comment-held"
    keep = ("&" + urlencode(facts)) if facts else ""
    path, _, anchor = target.partition("#")
    response = see_other(f"{embed_path(site, article)}{path}{keep}#{anchor}")
    if status is Status.PENDING:
        _remember_held(request, response, site, article, done.stored.id)
    return response


async def demo(request: web.Request) -> web.StreamResponse:
    # As a site would: the iframe names the page's title and address.
    page = str(request.url.with_query(None).with_fragment(None))
    facts = {"title": "Ransomware hits regional hospital", "url": page}
    embed = f"{embed_path(DEFAULT_SITE, DEMO_ARTICLE)}?{urlencode(facts)}"
    return render(request, "demo.html", {"embed": embed})
