"""Article pages from an in-process cache, dropped on every instance when the article changes.

Readers outnumber commenters by orders of magnitude and an article's page is the
same for all of them until a comment on it changes, so each instance keeps the
rendered pages (the JSON list and the embed page) in memory, least recently
used first out, and drops an article's pages when it changes:

- the database says so: triggers on `comments` (migrations/0013_page_cache.sql)
  NOTIFY `moderation_pages` with the article in the transaction that changed it,
  whatever code did; every instance LISTENs on a connection of its own
  (`page_watch`) and hears it at the commit, within milliseconds;
- this instance knows it sooner: ops/events.comment_decided drops the pages of a
  comment it published or a moderator decided here, before answering, so the
  author's next page shows it (the notification comes a moment later);
- nothing is cached while the listening connection is down, everything is
  dropped when it comes back (a notification may have been missed), and a page
  is never older than `page_cache_seconds` in any case.

A fill that started before a change of its article is handed to its waiting
requests but not kept, so a page read before a change can never be cached after
it. Requests that miss the same page together wait for one fill. The times of
recent changes also steer fills away from replicas that have not replayed them
yet (store/replicas.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from moderation.keys import SETTINGS
from moderation.store.pages import PAGES_CHANNEL

log = logging.getLogger(__name__)

ALIVE_SECONDS = 5.0  # how often the listening connection is asked whether it still lives
RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Page:
    body: bytes
    content_type: str
    charset: str | None
    etag: str
    made: float  # time.monotonic()

    @classmethod
    def of(cls, body: bytes, content_type: str, charset: str | None) -> Page:
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, content_type, charset, f'"{digest}"', time.monotonic())


Key = tuple[str, str]  # (article, variant)
Fill = Callable[[float | None], Awaitable[Page]]


class PageCache:
    def __init__(self, max_entries: int, max_age: float, keep_changes: float = 60.0) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self.listening = False  # pages are kept only while every change is heard
        self.hits = 0
        self.fills = 0
        self._keep_changes = keep_changes
        self._pages: OrderedDict[Key, Page] = OrderedDict()
        self._variants: dict[str, set[str]] = {}
        self._seq = 0  # counts changes; a fill keeps its page only if none came since
        self._changed: dict[str, tuple[int, float]] = {}  # article -> (seq, time)
        self._everything: tuple[int, float] = (0, float("-inf"))
        self._forgotten = 0  # the latest seq pruned from _changed
        self._filling: dict[Key, asyncio.Task[Page]] = {}

    @property
    def active(self) -> bool:
        return self.listening and self.max_entries > 0

    def changed(self, article: str | None) -> None:
        """The article's pages (None: every article's) are out of date from now."""
        self._seq += 1
        now = time.monotonic()
        if article is None:
            self._everything = (self._seq, now)
            self._pages.clear()
            self._variants.clear()
            self._changed.clear()
            self._forgotten = self._seq
            return
        self._changed[article] = (self._seq, now)
        for variant in self._variants.pop(article, ()):
            self._pages.pop((article, variant), None)
        if len(self._changed) > 4 * max(self.max_entries, 256):
            self._prune(now)

    def changed_at(self, article: str) -> float | None:
        """When the article last changed, if recently (time.monotonic())."""
        times = [self._everything[1]]
        if article in self._changed:
            times.append(self._changed[article][1])
        latest = max(times)
        return latest if latest > time.monotonic() - self._keep_changes else None

    def _prune(self, now: float) -> None:
        old = [a for a, (_, at) in self._changed.items() if at < now - self._keep_changes]
        for article in old:
            self._forgotten = max(self._forgotten, self._changed.pop(article)[0])

    def _unchanged_since(self, article: str, seq: int) -> bool:
        last = self._changed.get(article, (0, 0.0))[0]
        return max(last, self._everything[0], self._forgotten) <= seq

    async def get(self, article: str, variant: str, fill: Fill) -> Page:
        """The page from the cache, or made by `fill(changed_at)` and kept."""
        if not self.active:
            self.fills += 1
            return await fill(self.changed_at(article))
        key = (article, variant)
        page = self._pages.get(key)
        if page is not None and time.monotonic() - page.made < self.max_age:
            self._pages.move_to_end(key)
            self.hits += 1
            return page
        task = self._filling.get(key)
        if task is None:
            task = asyncio.create_task(self._fill(key, fill, self._seq))
            self._filling[key] = task
            task.add_done_callback(lambda _: self._filling.pop(key, None))
        # One request that goes away must not cancel the fill the others wait for.
        return await asyncio.shield(task)

    async def _fill(self, key: Key, fill: Fill, seq: int) -> Page:
        article, variant = key
        self.fills += 1
        page = await fill(self.changed_at(article))
        if self.active and self._unchanged_since(article, seq):
            self._pages[key] = page
            self._pages.move_to_end(key)
            self._variants.setdefault(article, set()).add(variant)
            while len(self._pages) > self.max_entries:
                (old_article, old_variant), _ = self._pages.popitem(last=False)
                variants = self._variants.get(old_article)
                if variants is not None:
                    variants.discard(old_variant)
                    if not variants:
                        del self._variants[old_article]
        return page

    def __len__(self) -> int:
        return len(self._pages)


PAGES = web.AppKey("pages", PageCache)


def page_key(site: str, article: str) -> str:
    """The cache's name of a site's article: the triggers' NOTIFY payload (0018)."""
    return f"{site}/{article}"


def page_changed(app: web.Application, site: str, article: str) -> None:
    """This instance changed the article: drop its pages now, before the notification."""
    cache = app.get(PAGES)
    if cache is not None:
        cache.changed(page_key(site, article))


async def _listen(app: web.Application, cache: PageCache) -> None:
    url = app[SETTINGS].database_url
    assert url

    def notified(*args: Any) -> None:
        cache.changed(str(args[-1]) or None)  # the payload: site/article, or '' for all

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(url, timeout=10)
            await conn.add_listener(PAGES_CHANNEL, notified)
            cache.changed(None)  # whatever changed while nobody listened
            cache.listening = True
            while True:
                await asyncio.sleep(ALIVE_SECONDS)
                await conn.fetchval("SELECT 1", timeout=ALIVE_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database went away: serve uncached, retry
            if cache.listening:
                log.warning("page cache off: not listening (%s); retrying", type(exc).__name__)
            await asyncio.sleep(RETRY_SECONDS)
        finally:
            cache.listening = False
            cache.changed(None)
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()


async def page_watch(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the cache of this instance and its listening connection."""
    settings = app[SETTINGS]
    cache = PageCache(
        settings.page_cache_entries,
        settings.page_cache_seconds,
        keep_changes=max(60.0, 2 * settings.replica_max_lag_seconds),
    )
    app[PAGES] = cache
    if cache.max_entries == 0:
        yield
        return
    task = asyncio.create_task(_listen(app, cache))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
