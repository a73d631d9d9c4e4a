"""SQL for Akismet comment-checks: storing them, finding them by guid or content, their
review queue, decisions, history and re-scoring (their figures: store/check_figures.py;
a person's data in them: store/check_privacy.py).

Checks live apart from comments (migrations/0011): nothing here is ever published.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from moderation.domain import AUTO, Comment, Decision

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

COLUMNS = """
    k.id, k.site, k.guid, k.key_name, k.comment_type, k.permalink, k.author_name,
    k.author_email, k.author_url, k.body, k.client_ip, k.user_agent, k.referrer, k.status,
    k.rejection, k.spam_score, k.model_version, k.decision, k.reasons, k.decided_by,
    k.fields, k.claimed_by, k.claim_expires_at, k.created_at, k.updated_at
"""


@dataclass(frozen=True, slots=True)
class NewCheck:
    """A decided check, ready to store."""

    site: str
    guid: uuid.UUID
    key_name: str
    comment_type: str
    permalink: str | None
    comment: Comment
    decision: Decision
    fields: dict[str, Any]


# Many checks and their first history entries in one statement (group commit, as
# store/comments.insert_many): ids drawn in input order, handed back with the ordinal.
_INSERT_MANY = """
WITH input AS (
    SELECT nextval('checks_id_seq'::regclass) AS id, t.*
    FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::text[], $10::inet[], $11::text[], $12::text[],
                $13::text[], $14::text[], $15::double precision[], $16::text[],
                $17::jsonb[], $18::jsonb[])
         WITH ORDINALITY AS t(site, guid, key_name, comment_type, permalink, author_name,
                              author_email, author_url, body, client_ip, user_agent,
                              referrer, status, rejection, spam_score, model_version,
                              decision, fields, ord)
), k AS (
    INSERT INTO checks (
        id, site, guid, key_name, comment_type, permalink, author_name, author_email,
        author_url, body, client_ip, user_agent, referrer, status, rejection, spam_score,
        model_version, decision, fields, reasons, decided_by
    )
    SELECT id, site, guid, key_name, comment_type, permalink, author_name, author_email,
           author_url, body, client_ip, user_agent, referrer, status, rejection, spam_score,
           model_version, decision, fields,
           ARRAY(SELECT jsonb_array_elements_text($19::jsonb -> (ord - 1)::int)), $20
    FROM input
    RETURNING id, created_at, status, rejection, spam_score, model_version, reasons
), h AS (
    INSERT INTO check_history (check_id, at, actor, from_status, to_status, rejection,
                               spam_score, model_version, note)
    SELECT id, created_at, $20, NULL, status, rejection, spam_score, model_version,
           nullif(array_to_string(reasons, '; '), '')
    FROM k
)
SELECT input.ord, k.id FROM k JOIN input USING (id) ORDER BY input.ord
"""


def _values(c: NewCheck) -> tuple[Any, ...]:
    d = c.decision
    return (
        c.site,
        c.guid,
        c.key_name,
        c.comment_type,
        c.permalink,
        c.comment.name,
        c.comment.email,
        c.comment.url,
        c.comment.body,
        c.comment.client_ip,
        c.comment.user_agent,
        c.comment.referrer,
        d.status.value,
        d.rejection.value if d.rejection else None,
        d.spam_score,
        d.model_version,
        d.details,
        c.fields,
    )


async def insert_many(conn: Conn, items: list[NewCheck]) -> list[int]:
    """Store checks with their first history entries in one statement; their ids, in order."""
    if not items:
        return []
    columns = [list(col) for col in zip(*(_values(c) for c in items), strict=True)]
    reasons = [list(c.decision.reasons) for c in items]
    rows = await conn.fetch(_INSERT_MANY, *columns, reasons, AUTO)
    if len(rows) != len(items):
        raise RuntimeError(f"stored {len(rows)} of {len(items)} checks")
    return [int(r["id"]) for r in rows]


async def author_has_approved(conn: Conn, site: str, email: str) -> bool:
    """Has this site had a check from this email approved (automatically or by a person)?"""
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM checks
                           WHERE site = $1 AND lower(author_email) = lower($2)
                             AND status = 'approved')
            """,
            site,
            email,
        )
    )


async def by_guid(conn: Conn, site: str, guid: uuid.UUID) -> asyncpg.Record | None:
    """A check of this site; another site's guid finds nothing."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM checks k WHERE k.site = $1 AND k.guid = $2", site, guid
    )


async def by_content(conn: Conn, site: str, email: str, body: str) -> asyncpg.Record | None:
    """The latest check this site asked for with this email and text."""
    return await conn.fetchrow(
        f"""
        SELECT {COLUMNS} FROM checks k
        WHERE k.site = $1 AND lower(k.author_email) = lower($2) AND k.body = $3
        ORDER BY k.created_at DESC, k.id DESC LIMIT 1
        """,
        site,
        email,
        body,
    )


async def get(conn: Conn, site: str, check_id: int) -> asyncpg.Record | None:
    """A check of this site; another site's id finds nothing."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM checks k WHERE k.site = $1 AND k.id = $2", site, check_id
    )


async def lock(conn: asyncpg.Connection, site: str, check_id: int) -> asyncpg.Record | None:
    """The site's check, locked until the transaction ends, so decisions on it serialise."""
    return await conn.fetchrow(
        f"SELECT {COLUMNS}, now() AS now FROM checks k WHERE k.site = $1 AND k.id = $2 FOR UPDATE",
        site,
        check_id,
    )


_APPLY = f"""
WITH k AS (
    UPDATE checks k SET status = $2, rejection = $3, decided_by = $4, updated_at = now(),
                        claimed_by = NULL, claim_expires_at = NULL
    WHERE k.id = $1
    RETURNING {COLUMNS}
), h AS (
    INSERT INTO check_history (check_id, actor, from_status, to_status, rejection,
                               spam_score, model_version, note)
    SELECT id, $4, $5, status, rejection, spam_score, model_version, $6 FROM k
)
SELECT * FROM k
"""


async def apply(
    conn: asyncpg.Connection,
    check_id: int,
    *,
    status: str,
    rejection: str | None,
    actor: str,
    from_status: str,
    note: str | None,
) -> asyncpg.Record:
    row = await conn.fetchrow(_APPLY, check_id, status, rejection, actor, from_status, note)
    assert row is not None
    return row


async def history(conn: Conn, site: str, check_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT h.id, h.at, h.actor, h.from_status, h.to_status, h.rejection, h.spam_score,
               h.model_version, h.note
        FROM check_history h JOIN checks k ON k.id = h.check_id
        WHERE k.site = $2 AND h.check_id = $1 ORDER BY h.id
        """,
        check_id,
        site,
    )
    return rows


async def set_label(
    conn: asyncpg.Connection | asyncpg.Pool,
    site: str,
    check_id: int,
    label: str | None,
    source: str,
    given_by: str,
) -> None:
    """A check's training label; a later one replaces an earlier; None removes `source`'s."""
    if label is None:
        await conn.execute(
            "DELETE FROM labels WHERE site = $3 AND check_id = $1 AND source = $2",
            check_id,
            source,
            site,
        )
        return
    await conn.execute(
        """
        INSERT INTO labels (site, check_id, label, source, given_by)
        SELECT site, id, $2, $3, $4 FROM checks WHERE id = $1
        ON CONFLICT (site, check_id) WHERE check_id IS NOT NULL
        DO UPDATE SET label = EXCLUDED.label, source = EXCLUDED.source,
                      given_by = EXCLUDED.given_by, created_at = now()
        """,
        check_id,
        label,
        source,
        given_by,
    )


async def label_of(conn: Conn, site: str, check_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT label, source, given_by, created_at FROM labels WHERE site = $1 AND check_id = $2",
        site,
        check_id,
    )


async def page(
    conn: Conn,
    *,
    site: str,
    status: str,
    comment_type: str | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> tuple[list[asyncpg.Record], int]:
    """One keyset page of checks in a status, oldest first, and how many there are."""
    args: list[Any] = [status, site]
    conds = ["k.site = $2", "k.status = $1"]
    if comment_type is not None:
        args.append(comment_type)
        conds.append(f"k.comment_type = ${len(args)}")
    where = " AND ".join(conds)
    total = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM checks k WHERE {where} LIMIT 10000) s", *args
    )
    if after is not None:
        args += [after[0], after[1]]
        where += f" AND (k.created_at, k.id) > (${len(args) - 1}, ${len(args)})"
    args.append(limit + 1)
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {COLUMNS} FROM checks k WHERE {where} "
        f"ORDER BY k.created_at, k.id LIMIT ${len(args)}",
        *args,
    )
    return rows, int(total)


async def pending_batch(
    conn: Conn, site: str, after_id: int, limit: int
) -> list[tuple[int, str, Comment]]:
    """A site's unclaimed pending checks after `after_id`: (id, site, the comment as scored)."""
    rows = await conn.fetch(
        """
        SELECT id, site, permalink, author_name, author_email, author_url, body, client_ip,
               user_agent, referrer
        FROM checks
        WHERE site = $3 AND status = 'pending' AND id > $1
          AND (claimed_by IS NULL OR claim_expires_at < now())
        ORDER BY id LIMIT $2
        """,
        after_id,
        limit,
        site,
    )
    return [
        (
            r["id"],
            r["site"],
            Comment(
                article=r["permalink"] or "",
                name=r["author_name"],
                email=r["author_email"],
                body=r["body"],
                url=r["author_url"],
                client_ip=r["client_ip"],
                user_agent=r["user_agent"],
                referrer=r["referrer"],
            ),
        )
        for r in rows
    ]


# Only a still-pending, unclaimed check is re-decided: a moderator's claim or decision
# made meanwhile wins.
_REDECIDE = """
WITH k AS (
    UPDATE checks SET status = $2, rejection = $3, spam_score = $4, model_version = $5,
                      decision = $6, reasons = $7, decided_by = 'auto', updated_at = now()
    WHERE id = $1 AND status = 'pending' AND (claimed_by IS NULL OR claim_expires_at < now())
    RETURNING id, site, guid, status, rejection, spam_score, model_version
), h AS (
    INSERT INTO check_history (check_id, actor, from_status, to_status, rejection,
                               spam_score, model_version, note)
    SELECT id, 'auto', 'pending', status, rejection, spam_score, model_version, $8
    FROM k WHERE status <> 'pending'
)
SELECT site, guid, status, rejection FROM k
"""


async def redecide(
    conn: Conn, check_id: int, decision: Decision, note: str
) -> asyncpg.Record | None:
    """Store a new automatic decision for a pending check; its guid and new status."""
    return await conn.fetchrow(
        _REDECIDE,
        check_id,
        decision.status.value,
        decision.rejection.value if decision.rejection else None,
        decision.spam_score,
        decision.model_version,
        decision.details,
        list(decision.reasons),
        note,
    )
