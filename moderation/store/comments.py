"""SQL for taking comments in: what deciding them needs, storing them with their first
history entry, and re-deciding held ones. The public page's reads are store/pages.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from moderation.domain import AUTO, Comment, Decision, Facts
from moderation.store import articles as article_store
from moderation.store import audits


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    created_at: datetime


_FACTS = """
SELECT
    (SELECT status FROM comments WHERE site = $4 AND id = $1 AND article = $2) AS parent_status,
    EXISTS (
        SELECT 1 FROM comments
        WHERE site = $4 AND lower(author_email) = lower($3) AND status = 'approved'
    ) AND (NOT $5 OR EXISTS (
        SELECT 1 FROM reader_emails
        WHERE site = $4 AND email = lower($3) AND confirmed_at IS NOT NULL
    )) AS author_has_approved
"""


async def gather_facts(
    conn: asyncpg.Connection | asyncpg.Pool, comment: Comment, *, confirmed_only: bool = False
) -> tuple[str | None, Facts]:
    """The parent's status (None if there is no such parent on the article) and the facts.

    `confirmed_only`: an author is known only with a confirmed address (migrations/0019),
    so nobody borrows a regular reader's address to skip review."""
    row = await conn.fetchrow(
        _FACTS, comment.parent_id, comment.article, comment.email, comment.site, confirmed_only
    )
    assert row is not None
    return row["parent_status"], Facts(author_has_approved=row["author_has_approved"])


# What deciding many comments needs, in one statement (intake/lookups.py): per comment, in
# order, its article's settings (SETTINGS_COLUMNS, NULLs without a row), its parent's
# status on that article, and, where asked, whether its author has approved comments.
_KNOWN = f"""
SELECT a.state, a.closes_at, now() AS now, p.status AS parent_status,
       i.author AND EXISTS (
           SELECT 1 FROM comments c
           WHERE c.site = i.site AND lower(c.author_email) = lower(i.email)
             AND c.status = 'approved'
       ) AND (NOT $6 OR EXISTS (
           SELECT 1 FROM reader_emails r
           WHERE r.site = i.site AND r.email = lower(i.email) AND r.confirmed_at IS NOT NULL
       )) AS author_has_approved
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bool[])
     WITH ORDINALITY AS i(site, article, parent_id, email, author, n)
LEFT JOIN LATERAL (
    SELECT {article_store.SETTINGS_COLUMNS} FROM articles
    WHERE site = i.site AND article = i.article
) AS a ON true
LEFT JOIN comments p ON p.site = i.site AND p.id = i.parent_id AND p.article = i.article
ORDER BY i.n
"""


async def known_many(
    conn: asyncpg.Connection | asyncpg.Pool,
    asked: Sequence[tuple[Comment, bool]],
    *,
    confirmed_only: bool = False,
) -> list[asyncpg.Record]:
    """For each (comment, whether its author matters): the row `_KNOWN` makes, in order.
    `confirmed_only`: as in `gather_facts`."""
    rows: list[asyncpg.Record] = await conn.fetch(
        _KNOWN,
        [c.site for c, _ in asked],
        [c.article for c, _ in asked],
        [c.parent_id for c, _ in asked],
        [c.email for c, _ in asked],
        [author for _, author in asked],
        confirmed_only,
    )
    return rows


# One round trip: the comment and its first history entry are written together.
_INSERT = (
    """
WITH c AS (
    INSERT INTO comments (
        article, parent_id, author_name, author_email, author_url, body,
        client_ip, user_agent, referrer, status, rejection, spam_score,
        model_version, decision, site, reasons, decided_by
    ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    RETURNING site, id, created_at, status, rejection, spam_score, model_version,
              decision ? 'audit' AS audit, decision ->> 'outcome' AS outcome
), h AS (
    INSERT INTO comment_history (site, comment_id, at, actor, from_status, to_status,
                                 rejection, spam_score, model_version, note)
    SELECT site, id, created_at, $17, NULL, status, rejection, spam_score, model_version, $18
    FROM c
)
"""
    + audits.INSERT_CTE
    + """
SELECT id, created_at FROM c
"""
)


def _values(comment: Comment, decision: Decision) -> tuple[Any, ...]:
    """A new comment's column values, in the order of both INSERT statements."""
    return (
        comment.article,
        comment.parent_id,
        comment.name,
        comment.email,
        comment.url,
        comment.body,
        comment.client_ip,
        comment.user_agent,
        comment.referrer,
        decision.status.value,
        decision.rejection.value if decision.rejection else None,
        decision.spam_score,
        decision.model_version,
        decision.details,
        comment.site,
    )


async def insert(
    conn: asyncpg.Connection | asyncpg.Pool, comment: Comment, decision: Decision
) -> Stored:
    row = await conn.fetchrow(
        _INSERT,
        *_values(comment, decision),
        list(decision.reasons),
        AUTO,
        "; ".join(decision.reasons) or None,
    )
    assert row is not None
    return Stored(id=row["id"], created_at=row["created_at"])


# Many comments in one statement (group commit). Ids are drawn in input order and
# handed back with each row's ordinal, so no reliance on RETURNING's order. The reasons
# (a list per comment) travel as one JSON list: an array of arrays cannot be unnested
# row by row.
_INSERT_MANY = (
    """
WITH input AS (
    SELECT nextval('comments_id_seq'::regclass) AS id, t.*
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::inet[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::double precision[], $13::text[], $14::jsonb[], $15::text[])
         WITH ORDINALITY AS t(article, parent_id, author_name, author_email, author_url,
                              body, client_ip, user_agent, referrer, status, rejection,
                              spam_score, model_version, decision, site, ord)
), c AS (
    INSERT INTO comments (
        site, id, article, parent_id, author_name, author_email, author_url, body,
        client_ip, user_agent, referrer, status, rejection, spam_score,
        model_version, decision, reasons, decided_by
    )
    SELECT site, id, article, parent_id, author_name, author_email, author_url, body,
           client_ip, user_agent, referrer, status, rejection, spam_score,
           model_version, decision,
           ARRAY(SELECT jsonb_array_elements_text($16::jsonb -> (ord - 1)::int)), $17
    FROM input
    RETURNING site, id, created_at, status, rejection, spam_score, model_version, reasons,
              decision ? 'audit' AS audit, decision ->> 'outcome' AS outcome
), h AS (
    INSERT INTO comment_history (site, comment_id, at, actor, from_status, to_status,
                                 rejection, spam_score, model_version, note)
    SELECT site, id, created_at, $17, NULL, status, rejection, spam_score, model_version,
           nullif(array_to_string(reasons, '; '), '')
    FROM c
)
"""
    + audits.INSERT_CTE
    + """
SELECT input.ord, c.id, c.created_at FROM c JOIN input USING (id) ORDER BY input.ord
"""
)


async def insert_many(
    conn: asyncpg.Connection | asyncpg.Pool, items: list[tuple[Comment, Decision]]
) -> list[Stored]:
    """Store many comments and their first history entries in one statement, in order."""
    if not items:
        return []
    # Column by column: each becomes one array parameter of the statement.
    columns = [list(c) for c in zip(*(_values(c, d) for c, d in items), strict=True)]
    reasons = [list(decision.reasons) for _, decision in items]
    rows = await conn.fetch(_INSERT_MANY, *columns, reasons, AUTO)
    if len(rows) != len(items):
        raise RuntimeError(f"stored {len(rows)} of {len(items)} comments")
    return [Stored(id=r["id"], created_at=r["created_at"]) for r in rows]


_PENDING_BATCH = """
SELECT id, article, parent_id, author_name, author_email, author_url, body, client_ip,
       user_agent, referrer, site
FROM comments
WHERE site = $3 AND status = 'pending' AND id > $1
  AND (claimed_by IS NULL OR claim_expires_at < now())
  AND decided_by NOT IN ('flags', 'appeal')  -- readers asked for a person: no model decides
ORDER BY id
LIMIT $2
"""


async def pending_batch(
    conn: asyncpg.Connection | asyncpg.Pool, site: str, after_id: int, limit: int
) -> list[tuple[int, Comment]]:
    """A site's unclaimed pending comments after `after_id`, for re-scoring."""
    rows = await conn.fetch(_PENDING_BATCH, after_id, limit, site)
    return [
        (
            r["id"],
            Comment(
                article=r["article"],
                name=r["author_name"],
                email=r["author_email"],
                body=r["body"],
                url=r["author_url"],
                parent_id=r["parent_id"],
                client_ip=r["client_ip"],
                user_agent=r["user_agent"],
                referrer=r["referrer"],
                site=r["site"],
            ),
        )
        for r in rows
    ]


# Only a still-pending, unclaimed comment is re-decided: a moderator's claim or
# decision made meanwhile wins.
_REDECIDE = """
WITH c AS (
    UPDATE comments SET status = $2, rejection = $3, spam_score = $4, model_version = $5,
                        decision = $6, reasons = $7, decided_by = 'auto', updated_at = now()
    WHERE site = $9 AND id = $1 AND status = 'pending'
      AND (claimed_by IS NULL OR claim_expires_at < now())
    RETURNING site, id, status, rejection, spam_score, model_version
), h AS (
    INSERT INTO comment_history (site, comment_id, actor, from_status, to_status, rejection,
                                 spam_score, model_version, note)
    SELECT site, id, 'auto', 'pending', status, rejection, spam_score, model_version, $8
    FROM c WHERE status <> 'pending'
)
SELECT status FROM c
"""


async def redecide(
    conn: asyncpg.Connection | asyncpg.Pool,
    site: str,
    comment_id: int,
    decision: Decision,
    note: str,
) -> str | None:
    """Store a new automatic decision for a pending comment; its new status, or None."""
    value = await conn.fetchval(
        _REDECIDE,
        comment_id,
        decision.status.value,
        decision.rejection.value if decision.rejection else None,
        decision.spam_score,
        decision.model_version,
        decision.details,
        list(decision.reasons),
        note,
        site,
    )
    return None if value is None else str(value)
