"""SQL for finding comments: words, sender, article, status and time, newest first.

Words go through PostgreSQL's full-text search (`websearch_to_tsquery`: "quoted
phrases", `or`, `-excluded`) against the stored `search_vector` column (the
author's name and the text, without stemming; GIN index `comments_search`), so
no row's text is parsed at search time; the other filters use the email, IP and
article indexes. Pages are keyset on the id, newest first.

A word search reads in two steps, because no one plan serves both kinds of word:
first the newest `RECENT` ids (below the cursor) walked backwards, which fills the
page for any common word; then, only if the page is not full, the GIN index for
the older rest, sorted (`c.id + 0` keeps the planner off the primary key, whose
backward walk would read the whole table for a word no comment has, as it did
when the planner guessed a rare word common).
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from moderation.store.queue import COLUMNS

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Generated from the name and the text (migrations/0020_search_vector.sql).
DOCUMENT = "c.search_vector"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class SearchFilter:
    q: str | None = None
    email: str | None = None
    email_domain: str | None = None  # the part after @ (a blocked domain's senders)
    ip: Network | None = None
    article: str | None = None
    status: str | None = None  # approved, pending, rejected
    rejection: str | None = None  # spam, removed (with status rejected)
    since: datetime | None = None
    until: datetime | None = None

    def where(self, site: str, args: list[Any]) -> str:
        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        conds = [f"c.site = {arg(site)}"]

        if self.q:
            conds.append(f"{DOCUMENT} @@ websearch_to_tsquery('simple', {arg(self.q)})")
        if self.email:
            conds.append(f"lower(c.author_email) = lower({arg(self.email)})")
        if self.email_domain:
            conds.append(f"lower(c.author_email) LIKE '%@' || lower({arg(self.email_domain)})")
        if self.ip is not None:
            conds.append(f"c.client_ip <<= {arg(self.ip)}::inet")
        if self.article:
            conds.append(f"c.article = {arg(self.article)}")
        if self.status:
            conds.append(f"c.status = {arg(self.status)}")
        if self.rejection:
            conds.append(f"c.rejection = {arg(self.rejection)}")
        if self.since is not None:
            conds.append(f"c.created_at >= {arg(self.since)}")
        if self.until is not None:
            conds.append(f"c.created_at < {arg(self.until)}")
        return " AND ".join(conds)


RECENT = 2000  # ids a word search walks newest first before it asks the GIN index


def page_query(
    site: str,
    filters: SearchFilter,
    before: int | None,
    limit: int,
    step: str = "all",
    bound: int = 0,
) -> tuple[str, list[Any]]:
    """The statement of `page` and its arguments for a site's comments: all at once (no
    words), or a word search's `recent` step (ids above `bound`) or `older` step (the
    rest, by the GIN index)."""
    args: list[Any] = []
    where = filters.where(site, args)
    if before is not None:
        args.append(before)
        where += f" AND c.id < ${len(args)}"
    order = "c.id"
    if step != "all":
        args.append(bound)
        where += f" AND c.id {'>' if step == 'recent' else '<='} ${len(args)}"
        order = "c.id" if step == "recent" else "c.id + 0"
    args.append(limit + 1)
    sql = f"SELECT {COLUMNS} FROM comments c WHERE {where} ORDER BY {order} DESC LIMIT ${len(args)}"
    return sql, args


async def page(
    conn: Conn, site: str, filters: SearchFilter, before: int | None, limit: int
) -> list[asyncpg.Record]:
    """Up to `limit + 1` of a site's matching comments with ids below `before`, newest first."""
    if not filters.q:
        sql, args = page_query(site, filters, before, limit)
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
        return rows
    # Each step planned for its words: a prepared statement run often gets a generic
    # plan, blind to how common they are.
    async with _connection(conn) as c, c.transaction():
        await c.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        top = before if before is not None else int(await c.fetchval(_NEXT_ID, site))
        bound = top - RECENT
        sql, args = page_query(site, filters, before, limit, "recent", bound)
        rows = list(await c.fetch(sql, *args))
        if len(rows) <= limit and bound > 0:
            sql, args = page_query(site, filters, before, limit - len(rows), "older", bound)
            rows += await c.fetch(sql, *args)
    return rows


# One past the site's newest id (an index-only look at the end of its primary key,
# (site, id)): the recent window is the site's, not the whole installation's.
_NEXT_ID = "SELECT coalesce(max(id), 0) + 1 FROM comments WHERE site = $1"


@asynccontextmanager
async def _connection(conn: Conn) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(conn, asyncpg.Pool):
        async with conn.acquire() as acquired:
            yield acquired
    else:
        yield conn


async def pending_ids(conn: Conn, site: str, filters: SearchFilter, limit: int = 1000) -> list[int]:
    """A site's pending comments matching the filters (a blocked sender's), oldest first."""
    args: list[Any] = []
    where = filters.where(site, args)
    args.append(limit)
    rows = await conn.fetch(
        f"SELECT c.id FROM comments c WHERE {where} AND c.status = 'pending' "
        f"ORDER BY c.id LIMIT ${len(args)}",
        *args,
    )
    return [int(r["id"]) for r in rows]
