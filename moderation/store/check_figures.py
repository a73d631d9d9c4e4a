"""SQL for the figures of a site's Akismet checks: key-sites, usage-limit, get-stats and
the admin stats (ops/akismet_figures.py, api/admin.py)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from moderation.store.checks import Conn


async def stats(conn: Conn, site: str, since: datetime) -> tuple[int, list[asyncpg.Record]]:
    """A site's pending checks, and its checks' status changes since `since` by outcome
    and by who."""
    pending = await conn.fetchval(
        "SELECT count(*) FROM checks WHERE site = $1 AND status = 'pending'", site
    )
    rows = await conn.fetch(
        """
        SELECT h.to_status, h.rejection, h.actor = 'auto' AS automatic, count(*) AS n
        FROM check_history h JOIN checks k ON k.id = h.check_id
        WHERE k.site = $2 AND h.at >= $1
        GROUP BY 1, 2, 3
        """,
        since,
        site,
    )
    return int(pending), rows


async def usage(conn: Conn, site: str, since: datetime) -> int:
    """How many checks a site asked for since `since` (this month, for usage-limit)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM checks WHERE site = $1 AND created_at >= $2", site, since
        )
    )


async def site_figures(
    conn: Conn, site: str, since: datetime, until: datetime
) -> list[asyncpg.Record]:
    """key-sites' row for a site: its checks in a month by outcome, and the labels given.

    One row per blog the site's checks named (a site key is one site, an admin key
    may serve several blogs)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT coalesce(k.fields ->> 'blog', k.site) AS blog,
               count(*) AS api_calls,
               count(*) FILTER (WHERE k.status = 'rejected') AS spam,
               count(*) FILTER (WHERE k.status <> 'rejected') AS ham,
               count(l.id) FILTER (WHERE l.label = 'ham' AND k.status = 'rejected')
                   AS missed_ham,
               count(l.id) FILTER (WHERE l.label = 'spam' AND k.status <> 'rejected')
                   AS missed_spam
        FROM checks k LEFT JOIN labels l ON l.site = k.site AND l.check_id = k.id
        WHERE k.site = $1 AND k.created_at >= $2 AND k.created_at < $3
        GROUP BY 1 ORDER BY 2 DESC, 1
        """,
        site,
        since,
        until,
    )
    return rows


async def daily(conn: Conn, site: str, since: datetime) -> list[asyncpg.Record]:
    """get-stats: a site's checks per day by outcome, and the labels that corrected them."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT date_trunc('day', k.created_at AT TIME ZONE 'UTC')::date AS day,
               count(*) FILTER (WHERE k.status = 'rejected') AS spam,
               count(*) FILTER (WHERE k.status <> 'rejected') AS ham,
               count(l.id) FILTER (WHERE l.label = 'ham' AND k.status = 'rejected')
                   AS false_positives,
               count(l.id) FILTER (WHERE l.label = 'spam' AND k.status <> 'rejected')
                   AS missed_spam
        FROM checks k LEFT JOIN labels l ON l.site = k.site AND l.check_id = k.id
        WHERE k.site = $1 AND k.created_at >= $2
        GROUP BY 1 ORDER BY 1
        """,
        site,
        since,
    )
    return rows


# --- readers' personal data: export, erasure, retention (as store/privacy.py for comments)
