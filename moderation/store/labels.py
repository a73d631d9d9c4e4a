"""SQL for labels: from moderators' decisions (source 'moderator') and the Akismet
API ('akismet'); imports live with training (store/training.py).

The `labels` table keeps its meaning: training truth, one label per comment (a
later label replaces an earlier one, as a moderator's does), or, for a comment
this service never stored, the text itself deduplicated by `content_hash`.
"""

from __future__ import annotations

import hashlib

import asyncpg

SOURCE = "akismet"


def content_hash(name: str, email: str, url: str, body: str) -> str:
    """The same key imported labels use (store.training.content_hash), so they dedupe."""
    key = "\x1f".join((name, email, url, body.strip()))
    return hashlib.sha256(key.encode()).hexdigest()


async def label_comment(
    conn: asyncpg.Connection | asyncpg.Pool,
    site: str,
    comment_id: int,
    label: str,
    given_by: str,
    source: str = SOURCE,
) -> None:
    """A stored comment's label; a later label replaces an earlier one."""
    await conn.execute(
        """
        INSERT INTO labels (site, comment_id, label, source, given_by)
        VALUES ($5, $1, $2, $3, $4)
        ON CONFLICT (site, comment_id) WHERE comment_id IS NOT NULL
        DO UPDATE SET label = EXCLUDED.label, source = EXCLUDED.source,
                      given_by = EXCLUDED.given_by, created_at = now()
        """,
        comment_id,
        label,
        source,
        given_by,
        site,
    )


async def unlabel_comment(
    conn: asyncpg.Connection | asyncpg.Pool, site: str, comment_id: int, source: str
) -> None:
    await conn.execute(
        "DELETE FROM labels WHERE site = $1 AND comment_id = $2 AND source = $3",
        site,
        comment_id,
        source,
    )


async def label_text(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    site: str,
    label: str,
    given_by: str,
    name: str,
    email: str,
    url: str,
    body: str,
) -> None:
    await conn.execute(
        """
        INSERT INTO labels (label, source, given_by, author_name, author_email, author_url,
                            body, content_hash, site)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (site, content_hash) WHERE content_hash IS NOT NULL
        DO UPDATE SET label = EXCLUDED.label, source = EXCLUDED.source,
                      given_by = EXCLUDED.given_by, created_at = now()
        """,
        label,
        SOURCE,
        given_by,
        name,
        email,
        url,
        body,
        content_hash(name, email, url, body),
        site,
    )
