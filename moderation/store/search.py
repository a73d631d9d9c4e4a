"""SQL for finding comments: words, sender, article, status and time, newest first.

Words go through PostgreSQL's full-text search (`websearch_to_tsquery`: "quoted
phrases", `or`, `-excluded`) against the expression the GIN index
`comments_search` holds, without stemming; the other filters use the email,
IP and article indexes. Pages are keyset on the id, newest first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from moderation.store.queue import COLUMNS

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# The indexed expression, written exactly as in migrations/0015_desk.sql.
DOCUMENT = "to_tsvector('simple', c.author_name || ' ' || c.body)"
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


async def page(
    conn: Conn, site: str, filters: SearchFilter, before: int | None, limit: int
) -> list[asyncpg.Record]:
    """Up to `limit + 1` of a site's matching comments with ids below `before`, newest first."""
    args: list[Any] = []
    where = filters.where(site, args)
    if before is not None:
        args.append(before)
        where += f" AND c.id < ${len(args)}"
    args.append(limit + 1)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {COLUMNS} FROM comments c WHERE {where} ORDER BY c.id DESC LIMIT ${len(args)}",
        *args,
    )
    return rows


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
