"""SQL for human decisions: status changes, their history, and labels."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeAlias

import asyncpg

from moderation.store import labels
from moderation.store.queue import COLUMNS

MODERATOR = "moderator"

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def lock(conn: asyncpg.Connection, site: str, comment_id: int) -> asyncpg.Record | None:
    """The site's comment, locked until the transaction ends, so decisions on it serialise."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS}, now() AS now FROM comments c WHERE c.site = $1 AND c.id = $2 "
        "FOR UPDATE",
        site,
        comment_id,
    )


_APPLY = f"""
WITH c AS (
    UPDATE comments c SET status = $2, rejection = $3, decided_by = $4, updated_at = now(),
                          claimed_by = NULL, claim_expires_at = NULL
    WHERE c.site = $7 AND c.id = $1
    RETURNING {COLUMNS}
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, $4, $5, status, rejection, spam_score, model_version, $6 FROM c
    RETURNING id
)
SELECT c.*, h.id AS decision_id FROM c, h
"""


async def apply(
    conn: asyncpg.Connection,
    site: str,
    comment_id: int,
    *,
    status: str,
    rejection: str | None,
    actor: str,
    from_status: str,
    note: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(_APPLY, comment_id, status, rejection, actor, from_status, note, site)
    assert row is not None
    return row


async def undoable(
    conn: asyncpg.Connection, site: str, comment_id: int, decision_id: int
) -> asyncpg.Record | None:
    """A status change of the comment, what the comment was before it (`prev_*`) and the
    comment's last change (`last_*`: an undo is only safe while it is this one)."""
    return await conn.fetchrow(
        """
        SELECT d.id, d.at, d.actor, d.from_status, d.to_status, d.rejection,
               p.to_status AS prev_status, p.rejection AS prev_rejection, p.actor AS prev_actor,
               l.id AS last_id, l.actor AS last_actor
        FROM comment_history d
        LEFT JOIN LATERAL (
            SELECT to_status, rejection, actor FROM comment_history
            WHERE site = $3 AND comment_id = $1 AND id < d.id ORDER BY id DESC LIMIT 1
        ) p ON true
        CROSS JOIN LATERAL (
            SELECT id, actor FROM comment_history
            WHERE site = $3 AND comment_id = $1 ORDER BY id DESC LIMIT 1
        ) l
        WHERE d.site = $3 AND d.comment_id = $1 AND d.id = $2
        """,
        comment_id,
        decision_id,
        site,
    )


# Back to an earlier state: a comment back in the queue is held for whoever undid the
# decision, so it comes back to their page rather than another moderator's.
_REVERT = f"""
WITH c AS (
    UPDATE comments c SET status = $2, rejection = $3, decided_by = $4, updated_at = now(),
                          claimed_by = CASE WHEN $2 = 'pending' THEN $5 END,
                          claim_expires_at = CASE WHEN $2 = 'pending'
                                                  THEN now() + $6::interval END
    WHERE c.id = $1
    RETURNING {COLUMNS}
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, $5, $7, status, rejection, spam_score, model_version, $8 FROM c
    RETURNING id
)
SELECT c.*, h.id AS decision_id FROM c, h
"""


async def revert(
    conn: asyncpg.Connection,
    comment_id: int,
    *,
    status: str,
    rejection: str | None,
    decided_by: str,
    actor: str,
    lease: timedelta,
    from_status: str,
    note: str,
) -> asyncpg.Record:
    """Put the comment back to `status` (an undo), with its history row."""
    row = await conn.fetchrow(
        _REVERT, comment_id, status, rejection, decided_by, actor, lease, from_status, note
    )
    assert row is not None
    return row


async def set_label(
    conn: asyncpg.Connection, site: str, comment_id: int, label: str | None, given_by: str
) -> None:
    """The comment's training label from a decision; None removes it (a plain removal)."""
    if label is None:
        await labels.unlabel_comment(conn, site, comment_id, MODERATOR)
    else:
        await labels.label_comment(conn, site, comment_id, label, given_by, source=MODERATOR)


async def history(conn: Conn, site: str, comment_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT id, at, actor, from_status, to_status, rejection, spam_score, model_version, note
        FROM comment_history WHERE site = $1 AND comment_id = $2 ORDER BY id
        """,
        site,
        comment_id,
    )
    return rows


async def get(conn: Conn, site: str, comment_id: int) -> asyncpg.Record | None:
    """The site's comment; another site's id finds nothing."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM comments c WHERE c.site = $1 AND c.id = $2", site, comment_id
    )


async def label_of(conn: Conn, site: str, comment_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT label, source, given_by, created_at FROM labels "
        "WHERE site = $1 AND comment_id = $2",
        site,
        comment_id,
    )


async def stats(conn: Conn, site: str, since: datetime) -> tuple[int, list[asyncpg.Record]]:
    """The site's pending count, and status changes since `since` by outcome and by who."""
    pending = await conn.fetchval(
        "SELECT count(*) FROM comments WHERE site = $1 AND status = 'pending'", site
    )
    rows = await conn.fetch(
        """
        SELECT to_status, rejection, actor = 'auto' AS automatic, count(*) AS n
        FROM comment_history WHERE site = $1 AND at >= $2
        GROUP BY 1, 2, 3
        """,
        site,
        since,
    )
    return int(pending), rows
