"""SQL the desk needs beyond the moderator API's: filtered claims, counts, recent decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeAlias

import asyncpg

from moderation.store import queue
from moderation.store.queue import COLUMNS, TOTAL_CAP, UNCERTAINTY, QueueFilter

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


def _key(order: str) -> str:
    return "c.created_at" if order == "oldest" else UNCERTAINTY


async def claim(
    conn: Conn,
    site: str,
    who: str,
    filters: QueueFilter,
    order: str,
    limit: int,
    lease: timedelta,
) -> list[asyncpg.Record]:
    """Lease up to `limit` pending comments matching the filters to `who`, in queue order.

    Without filters in the default order this is exactly the claim API's
    `store.queue.claim`; with them, the same leasing (own live claims first,
    SKIP LOCKED so two moderators never get the same comment) over the
    filtered queue.
    """
    if filters == QueueFilter() and order == "oldest":
        return await queue.claim(conn, site, who, limit, lease)
    args: list[Any] = [who, limit, lease]
    where = filters.where(site, args)
    key = _key(order)
    sql = f"""
    WITH picked AS (
        SELECT c.id, {key} AS sort_key FROM comments c
        WHERE {where}
          AND (c.claimed_by IS NULL OR c.claim_expires_at < now() OR c.claimed_by = $1)
        ORDER BY coalesce(c.claimed_by = $1 AND c.claim_expires_at >= now(), false) DESC,
                 {key}, c.id
        LIMIT $2
        FOR UPDATE SKIP LOCKED
    )
    UPDATE comments c SET claimed_by = $1, claim_expires_at = now() + $3::interval
    FROM picked WHERE c.site = $4 AND c.id = picked.id
    RETURNING {COLUMNS}, picked.sort_key
    """
    rows = await conn.fetch(sql, *args)
    return sorted(rows, key=lambda r: (r["sort_key"], r["id"]))


async def release_others(conn: Conn, site: str, who: str, keep: list[int]) -> None:
    """Give back `who`'s claims on comments they no longer see (e.g. after a new filter)."""
    await conn.execute(
        """
        UPDATE comments SET claimed_by = NULL, claim_expires_at = NULL
        WHERE site = $3 AND claimed_by = $1 AND status = 'pending'
          AND NOT (id = ANY($2::bigint[]))
        """,
        who,
        keep,
        site,
    )


async def counts(conn: Conn, site: str, who: str, filters: QueueFilter) -> tuple[int, int]:
    """Pending comments matching the filters (capped like the queue API's total), and how
    many of them others hold (from the claims index, not a scan of the whole backlog)."""
    args: list[Any] = []
    where = filters.where(site, args)
    total = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM comments c WHERE {where} LIMIT {TOTAL_CAP}) s",
        *args,
    )
    args.append(who)
    held = await conn.fetchval(
        f"""
        SELECT count(*) FROM comments c
        WHERE {where} AND c.claimed_by IS NOT NULL AND c.claimed_by <> ${len(args)}
          AND c.claim_expires_at >= now()
        """,
        *args,
    )
    return int(total), int(held)


async def pending_count(conn: Conn, site: str) -> int:
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM comments WHERE site = $1 "
            f"AND status = 'pending' LIMIT {TOTAL_CAP}) s",
            site,
        )
    )


OUTCOMES = ("approved", "pending", "spam", "removed")


@dataclass(frozen=True, slots=True)
class RecentFilter:
    by: str | None = None  # "auto", "human", or a moderator's name
    outcome: str | None = None  # one of OUTCOMES
    article: str | None = None

    def where(self, site: str, args: list[Any]) -> str:
        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        conds = [f"h.site = {arg(site)}"]

        if self.by == "auto":
            conds.append("h.actor = 'auto'")
        elif self.by == "human":
            conds.append("h.actor <> 'auto'")
        elif self.by:
            conds.append(f"h.actor = {arg(self.by)}")
        if self.outcome in ("approved", "pending"):
            conds.append(f"h.to_status = {arg(self.outcome)}")
        elif self.outcome in ("spam", "removed"):
            conds.append(f"h.to_status = 'rejected' AND h.rejection = {arg(self.outcome)}")
        if self.article:
            conds.append(f"c.article = {arg(self.article)}")
        return " AND ".join(conds)


async def recent(
    conn: Conn, site: str, filters: RecentFilter, before: int | None, limit: int
) -> list[asyncpg.Record]:
    """A site's status changes, newest first, with the comment as it is now; keyset on
    the history id."""
    args: list[Any] = []
    where = filters.where(site, args)
    if before is not None:
        args.append(before)
        where += f" AND h.id < ${len(args)}"
    args.append(limit + 1)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""
        SELECT h.id AS history_id, h.at, h.actor, h.from_status, h.to_status,
               h.rejection AS to_rejection, h.spam_score AS then_score, h.note,
               {COLUMNS}
        FROM comment_history h JOIN comments c ON c.site = h.site AND c.id = h.comment_id
        WHERE {where}
        ORDER BY h.id DESC
        LIMIT ${len(args)}
        """,
        *args,
    )
    return rows


async def label_counts(conn: Conn, site: str) -> dict[str, int]:
    """A site's training labels by class, counted as `store.training.site_labels` reads them."""
    rows = await conn.fetch(
        """
        SELECT l.label, count(*) AS n
        FROM labels l LEFT JOIN comments c ON c.site = l.site AND c.id = l.comment_id
        WHERE l.site = $1 AND coalesce(c.body, l.body) IS NOT NULL
        GROUP BY l.label
        """,
        site,
    )
    counts = {"spam": 0, "ham": 0}
    counts.update({str(r["label"]): int(r["n"]) for r in rows})
    return counts
