"""Cached article pages over HTTP: ETag and If-None-Match (304), and a short Cache-Control.

The page itself comes from the instance's cache (ops/pages.py), made on a miss
by the handler's `make`, which reads from a replica when one is fit
(store/replicas.py). Caches in front of the service (a CDN, a proxy, the
browser) may keep a page `page_max_age_seconds` and serve it stale for
`page_stale_seconds` more while they ask again; asking again with the ETag
costs this instance a 304 from memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

from moderation.keys import READS, SETTINGS
from moderation.ops.pages import PAGES, Page
from moderation.settings import Settings

Make = Callable[[asyncpg.Pool], Awaitable[web.Response]]


def cache_control(settings: Settings) -> str:
    return (
        f"public, max-age={settings.page_max_age_seconds}, "
        f"stale-while-revalidate={settings.page_stale_seconds}"
    )


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison: any listed tag equal to ours, W/ or not, or `*`."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


async def fresh_page(request: web.Request, article: str, make: Make) -> web.Response:
    """An uncached page, read where it is safe to read the article's latest changes."""
    cache = request.app[PAGES]
    return await request.app[READS].read(make, cache.changed_at(article))


async def cached_page(request: web.Request, article: str, variant: str, make: Make) -> web.Response:
    """The page `make` renders, from this instance's cache; 304 when the client has it."""
    app = request.app

    async def fill(changed_at: float | None) -> Page:
        response = await app[READS].read(make, changed_at)
        assert isinstance(response.body, bytes)
        return Page.of(response.body, response.content_type, response.charset)

    page = await app[PAGES].get(article, variant, fill)
    headers = {"ETag": page.etag, "Cache-Control": cache_control(app[SETTINGS])}
    if _matches(request.headers.get("If-None-Match", ""), page.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(
        body=page.body, content_type=page.content_type, charset=page.charset, headers=headers
    )
