"""SQL for a person's data in Akismet checks: export and erasure (api/privacy.py), and
retention's purge and address reduction (ops/retention.py)."""

from __future__ import annotations

from typing import Any

import asyncpg

from moderation.store.checks import Conn


async def export(conn: Conn, site: str, email: str) -> list[dict[str, Any]]:
    """Every check stored about an email address, with what the site sent."""
    rows = await conn.fetch(
        """
        SELECT id, site, guid::text AS guid, comment_type, permalink, author_name,
               author_email, author_url, body, host(client_ip) AS client_ip, user_agent,
               referrer, status, rejection, spam_score, fields, created_at, updated_at
        FROM checks WHERE site = $2 AND lower(author_email) = lower($1) ORDER BY id
        """,
        email,
        site,
    )
    return [dict(r) for r in rows]


async def erase(
    conn: asyncpg.Connection, site: str, email: str, remove: bool, anonymous: str
) -> int:
    """Remove an email's checks on a site (their history and labels go too), or keep
    their words and drop the person, as the site chose for comments."""
    if remove:
        done = await conn.execute(
            "DELETE FROM checks WHERE site = $2 AND lower(author_email) = lower($1)", email, site
        )
    else:
        done = await conn.execute(
            """
            UPDATE checks SET author_name = $2, author_email = '', author_url = NULL,
                   client_ip = NULL, user_agent = NULL, referrer = NULL,
                   fields = fields - 'comment_author_url', updated_at = now()
            WHERE site = $3 AND lower(author_email) = lower($1)
            """,
            email,
            anonymous,
            site,
        )
    return int(done.split()[-1])


async def purge_rejected(conn: Conn, days: int) -> int:
    """Checks rejected more than `days` ago are deleted (retention, as comments)."""
    done = await conn.execute(
        """
        DELETE FROM checks WHERE id IN (
            SELECT id FROM checks
            WHERE status = 'rejected' AND updated_at < now() - make_interval(days => $1)
            LIMIT 5000
        )
        """,
        days,
    )
    return int(done.split()[-1])


_NETWORK = """set_masklen(network(set_masklen(client_ip,
    CASE WHEN family(client_ip) = 4 THEN 24 ELSE 48 END)),
    CASE WHEN family(client_ip) = 4 THEN 32 ELSE 128 END)"""


async def reduce_ips(conn: Conn, days: int) -> int:
    """Checks' addresses older than `days` keep only their network (/24, /48)."""
    done = await conn.execute(
        f"""
        UPDATE checks SET client_ip = {_NETWORK}
        WHERE id IN (
            SELECT id FROM checks
            WHERE client_ip IS NOT NULL AND created_at < now() - make_interval(days => $1)
              AND client_ip <> {_NETWORK}
            LIMIT 5000
        )
        """,
        days,
    )
    return int(done.split()[-1])


# --- re-scoring held checks after a model change (registry/rescore.py) --------------
