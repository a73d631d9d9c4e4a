"""SQL for comments imported from another system (WordPress, Disqus).

Everything is written with COPY inside the caller's transaction: the comments
(with ids drawn beforehand, so replies can name their parents in the same
batch), their first history entries, the training labels and the record of
which exported comment became which, that keeps a second import from adding
anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg

# Imports of one site wait for each other rather than racing on the same ids.
LOCK = "moderation:import-comments"


async def lock(conn: asyncpg.Connection, site: str) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1 || $2))", LOCK, site)


async def known(
    conn: asyncpg.Connection, site: str, origin: str, origin_ids: Sequence[str]
) -> dict[str, int | None]:
    """Exported ids already imported -> their comment's id (None once it was deleted).

    A join with the list rather than `= ANY($3)`: with a hundred thousand ids
    and as many rows the planner can hash one side instead of testing each row
    against the whole array.
    """
    rows = await conn.fetch(
        """
        SELECT i.origin_id, i.comment_id
        FROM unnest($3::text[]) AS wanted (origin_id)
        JOIN comment_imports i
          ON i.site = $1 AND i.origin = $2 AND i.origin_id = wanted.origin_id
        """,
        site,
        origin,
        list(origin_ids),
    )
    return {r["origin_id"]: r["comment_id"] for r in rows}


async def reserve_ids(conn: asyncpg.Connection, n: int) -> list[int]:
    """n new comment ids, ascending."""
    rows = await conn.fetch(
        "SELECT nextval('comments_id_seq'::regclass) AS id FROM generate_series(1, $1)", n
    )
    return sorted(r["id"] for r in rows)


CommentRow = tuple[
    int,  # id
    str,  # article
    int | None,  # parent_id
    str,  # author_name
    str,  # author_email
    str | None,  # author_url
    str,  # body
    ipaddress.IPv4Address | ipaddress.IPv6Address | None,  # client_ip
    str | None,  # user_agent
    str,  # status
    str | None,  # rejection
    list[str],  # reasons
    str,  # decided_by
    datetime,  # created_at
]
_COMMENT_COLUMNS = (
    "id",
    "article",
    "parent_id",
    "author_name",
    "author_email",
    "author_url",
    "body",
    "client_ip",
    "user_agent",
    "status",
    "rejection",
    "reasons",
    "decided_by",
    "created_at",
)
BATCH = 10_000


async def copy_comments(
    conn: asyncpg.Connection,
    site: str,
    rows: Sequence[CommentRow],
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """The comments, in batches (so progress can be told); updated_at is the import's time."""
    for start in range(0, len(rows), BATCH):
        batch = [(site, *r) for r in rows[start : start + BATCH]]
        await conn.copy_records_to_table(
            "comments", records=batch, columns=("site", *_COMMENT_COLUMNS)
        )
        if on_batch is not None:
            on_batch(len(batch))


async def copy_history(
    conn: asyncpg.Connection,
    site: str,
    rows: Sequence[tuple[int, datetime, str, str, str | None, str]],
) -> None:
    """(comment_id, at, actor, to_status, rejection, note): each comment's arrival."""
    await conn.copy_records_to_table(
        "comment_history",
        records=[(site, *r) for r in rows],
        columns=("site", "comment_id", "at", "actor", "to_status", "rejection", "note"),
    )


async def copy_labels(
    conn: asyncpg.Connection, site: str, rows: Sequence[tuple[int, str, str, str]]
) -> None:
    """(comment_id, label, source, given_by): approved and spam comments as training truth."""
    await conn.copy_records_to_table(
        "labels",
        records=[(site, *r) for r in rows],
        columns=("site", "comment_id", "label", "source", "given_by"),
    )


async def copy_imports(
    conn: asyncpg.Connection, site: str, origin: str, rows: Sequence[tuple[str, int]]
) -> None:
    """(origin_id, comment_id): which exported comment became which."""
    await conn.copy_records_to_table(
        "comment_imports",
        records=[(site, origin, origin_id, cid) for origin_id, cid in rows],
        columns=("site", "origin", "origin_id", "comment_id"),
    )
