"""SQL for the review queue: listing pending comments and leasing them to moderators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Everything a moderator needs to decide, in one row.
COLUMNS = """
    c.id, c.article, c.parent_id, c.author_name, c.author_email, c.author_url, c.body,
    c.client_ip, c.user_agent, c.referrer, c.status, c.rejection, c.spam_score,
    c.model_version, c.decision, c.reasons, c.decided_by, c.created_at, c.updated_at,
    c.claimed_by, c.claim_expires_at, c.site
"""

UNCERTAINTY = "coalesce(abs(c.spam_score - 0.5), 1)"
TOTAL_CAP = 10_000
# How long a claim holds a comment for its moderator; the orders a queue can be read in.
CLAIM_LEASE = timedelta(minutes=5)
ORDERS = ("oldest", "uncertain")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    article: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    older_than: timedelta | None = None  # at least this old
    newer_than: timedelta | None = None  # at most this old
    flagged: bool | None = None  # readers flagged it (True), or not (False)

    def where(self, site: str, args: list[Any]) -> str:
        """SQL conditions for these filters on a site, appending their values to `args`."""

        def arg(value: Any) -> str:
            args.append(value)
            return f"${len(args)}"

        conds = [f"c.site = {arg(site)}", "c.status = 'pending'"]

        if self.article is not None:
            conds.append(f"c.article = {arg(self.article)}")
        if self.min_score is not None:
            conds.append(f"c.spam_score >= {arg(self.min_score)}")
        if self.max_score is not None:
            conds.append(f"c.spam_score <= {arg(self.max_score)}")
        if self.older_than is not None:
            conds.append(f"c.created_at <= now() - {arg(self.older_than)}::interval")
        if self.newer_than is not None:
            conds.append(f"c.created_at >= now() - {arg(self.newer_than)}::interval")
        if self.flagged is not None:
            has = (
                "EXISTS (SELECT 1 FROM comment_flags f "
                "WHERE f.site = c.site AND f.comment_id = c.id)"
            )
            conds.append(has if self.flagged else f"NOT {has}")
        return " AND ".join(conds)


async def page(
    conn: Conn,
    site: str,
    filters: QueueFilter,
    order: str,
    after: tuple[Any, int] | None,
    limit: int,
) -> tuple[list[asyncpg.Record], int]:
    """One keyset page of a site's pending comments and the total that match the filters."""
    args: list[Any] = []
    where = filters.where(site, args)
    # Count no further than TOTAL_CAP: an exact count of a large backlog on every
    # page cost more than the page itself.
    total = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM comments c WHERE {where} LIMIT {TOTAL_CAP}) s",
        *args,
    )
    key = "c.created_at" if order == "oldest" else UNCERTAINTY
    if after is not None:
        args += [after[0], after[1]]
        where += f" AND ({key}, c.id) > (${len(args) - 1}, ${len(args)})"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT {COLUMNS}, {key} AS sort_key FROM comments c WHERE {where} "
        f"ORDER BY {key}, c.id LIMIT ${len(args)}",
        *args,
    )
    return rows, int(total)


_CLAIM = f"""
WITH mine AS (
    SELECT id FROM comments
    WHERE site = $4 AND status = 'pending' AND claimed_by = $1 AND claim_expires_at >= now()
    ORDER BY created_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), fresh AS (
    SELECT id FROM comments
    WHERE site = $4 AND status = 'pending' AND (claimed_by IS NULL OR claim_expires_at < now())
    ORDER BY created_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), picked AS (
    SELECT id FROM (SELECT id, 0 AS rank FROM mine UNION ALL SELECT id, 1 FROM fresh) both_
    ORDER BY rank
    LIMIT $2
)
UPDATE comments c SET claimed_by = $1, claim_expires_at = now() + $3::interval
FROM picked WHERE c.site = $4 AND c.id = picked.id
RETURNING {COLUMNS}
"""


async def claim(
    conn: Conn, site: str, who: str, limit: int, lease: timedelta
) -> list[asyncpg.Record]:
    """Lease up to `limit` of a site's pending comments to `who` (own live claims first).

    SKIP LOCKED lets concurrent claims pass each other instead of waiting, and
    never hands the same comment to two moderators.
    """
    rows = await conn.fetch(_CLAIM, who, limit, lease, site)
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]))


async def release(conn: Conn, site: str, who: str | None, ids: list[int]) -> int:
    """Give claims back; `who` None releases anyone's (admins)."""
    result = await conn.execute(
        """
        UPDATE comments SET claimed_by = NULL, claim_expires_at = NULL
        WHERE site = $3 AND id = ANY($1::bigint[]) AND claimed_by IS NOT NULL
          AND ($2::text IS NULL OR claimed_by = $2)
        """,
        ids,
        who,
        site,
    )
    return int(result.split()[-1])


def claim_is_live(row: asyncpg.Record, now: datetime) -> bool:
    return row["claimed_by"] is not None and row["claim_expires_at"] >= now


async def depth_by_site(conn: Conn) -> list[asyncpg.Record]:
    """(site, n): each site's pending comments, for the queue-depth gauge (ops/observability)."""
    return list(
        await conn.fetch(
            "SELECT s.id AS site, (SELECT count(*) FROM comments c "
            "WHERE c.site = s.id AND c.status = 'pending') AS n FROM sites s"
        )
    )
