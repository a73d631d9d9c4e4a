"""SQL for the public page of an article: its published threads, a page at a time.

A page is what readers see (approved comments, and the ones their flags sent back to
the queue when the site shows those); ops/pages.py caches it per process and drops
it when the triggers of migrations/0013_page_cache.sql announce a change.
"""

from __future__ import annotations

from typing import Any

import asyncpg

# What readers see: approved comments, and (settings.flagged_shown) those that readers'
# flags sent back to the queue, until a moderator decides (store/flags.py).
_SHOWN = "({c}.status = 'approved' OR ($4 AND {c}.status = 'pending' AND {c}.decided_by = 'flags'))"

_TOP_LEVEL = f"""
SELECT c.id FROM comments c
WHERE c.site = $5 AND c.article = $1 AND {_SHOWN.format(c="c")} AND c.id > $2
  AND (c.parent_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM comments p
        WHERE p.site = c.site AND p.id = c.parent_id AND {_SHOWN.format(c="p")}))
ORDER BY c.id
LIMIT $3
"""

# The page's top-level comments and all their shown descendants, in one query.
_THREADS = f"""
WITH RECURSIVE thread AS (
    SELECT id, parent_id, author_name, author_url, body, created_at
    FROM comments WHERE site = $3 AND id = ANY($1::bigint[])
    UNION ALL
    SELECT c.id, c.parent_id, c.author_name, c.author_url, c.body, c.created_at
    FROM comments c JOIN thread t ON c.site = $3 AND c.parent_id = t.id
    WHERE {_SHOWN.format(c="c").replace("$4", "$2")}
)
SELECT * FROM thread ORDER BY id
"""

# Kept up to date by triggers (migrations/0013_page_cache.sql): a page's cost does not
# grow with its article.
_COUNT_APPROVED = """
SELECT coalesce((SELECT approved FROM article_counts WHERE site = $2 AND article = $1), 0)
"""

# Those triggers NOTIFY this channel with `site/article` (or '' for every article) in
# the transaction that changed what a reader of it sees.
PAGES_CHANNEL = "moderation_pages"


async def approved_page(
    conn: asyncpg.Connection | asyncpg.Pool,
    site: str,
    article: str,
    after_id: int,
    limit: int,
    *,
    flagged_shown: bool = False,
) -> tuple[list[dict[str, Any]], int | None, int]:
    """Threads of approved comments, oldest first, keyset-paginated over top-level ones.

    A reply whose parent is not published shows as top-level rather than vanishing.
    Returns (threads, the cursor id of the next page or None, approved total).
    """
    top = await conn.fetch(_TOP_LEVEL, article, after_id, limit + 1, flagged_shown, site)
    ids = [r["id"] for r in top[:limit]]
    next_after = ids[-1] if len(top) > limit else None
    total = await conn.fetchval(_COUNT_APPROVED, article, site)
    if not ids:
        return [], None, total
    rows = await conn.fetch(_THREADS, ids, flagged_shown, site)
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    wanted = set(ids)
    for r in rows:
        node = {
            "id": r["id"],
            "parent_id": r["parent_id"],
            "name": r["author_name"],
            "url": r["author_url"],
            "body": r["body"],
            "created_at": r["created_at"],
            "replies": [],
        }
        nodes[r["id"]] = node
        if r["id"] in wanted:
            roots.append(node)
        else:
            nodes[r["parent_id"]]["replies"].append(node)
    return roots, next_after, total
