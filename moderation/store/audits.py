"""SQL for audits: the sampled automatic decisions and the threshold steps they caused."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from moderation.store.queue import COLUMNS

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# The outcomes the model decided alone (policy.decide). Rule rejections and known-author
# approvals are audited too, but their errors are not the model's: counting them would
# tighten thresholds that were not at fault.
MODEL_OUTCOMES = ["confident_ham", "confident_spam"]

# Written by the INSERT statements of store/comments, in the same statement as the
# comment: an audited comment never exists without its audit.
INSERT_CTE = """
, audited AS (
    INSERT INTO audits (site, comment_id, auto_status, outcome, model_version)
    SELECT site, id, status, outcome, model_version FROM c WHERE audit
)
"""


async def resolve(
    conn: asyncpg.Connection, site: str, comment_id: int, new_status: str, who: str
) -> str | None:
    """Close the comment's open audit by a moderator's decision: confirmed when the status
    stays what automation chose, overturned when it changes. The verdict, or None."""
    verdict: str | None = await conn.fetchval(
        """
        UPDATE audits SET verdict = CASE WHEN auto_status = $2 THEN 'confirmed'
                                         ELSE 'overturned' END,
                          resolved_by = $3, resolved_at = now()
        WHERE site = $4 AND comment_id = $1 AND verdict IS NULL
        RETURNING verdict
        """,
        comment_id,
        new_status,
        who,
        site,
    )
    return verdict


async def reopen(
    conn: asyncpg.Connection, site: str, comment_id: int, by: str, at: datetime
) -> bool:
    """Open again the audit that a decision (by `by`, in the transaction of `at`) resolved:
    that decision was undone. True if there was one."""
    found = await conn.fetchval(
        """
        UPDATE audits SET verdict = NULL, resolved_by = NULL, resolved_at = NULL
        WHERE site = $4 AND comment_id = $1 AND resolved_by = $2 AND resolved_at = $3
        RETURNING true
        """,
        comment_id,
        by,
        at,
        site,
    )
    return bool(found)


async def open_page(
    conn: Conn, site: str, after: tuple[datetime, int] | None, limit: int
) -> list[asyncpg.Record]:
    """A site's open audits, oldest first, with the comment a moderator needs to judge them."""
    args: list[Any] = [limit + 1, site]
    where = "a.site = $2 AND a.verdict IS NULL"
    if after is not None:
        args += [after[0], after[1]]
        where += " AND (a.created_at, a.comment_id) > ($3, $4)"
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""
        SELECT {COLUMNS}, a.auto_status, a.outcome, a.created_at AS audited_at
        FROM audits a JOIN comments c ON c.site = a.site AND c.id = a.comment_id
        WHERE {where}
        ORDER BY a.created_at, a.comment_id
        LIMIT $1
        """,
        *args,
    )
    return rows


async def figures(conn: Conn, served: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per site, of the model version that serves it (`served`: site -> version): resolved
    and overturned audits of the model's own decisions (MODEL_OUTCOMES) per automatic
    status, and how many audits are open (of any outcome: each waits for a moderator)."""
    rows = await conn.fetch(
        """
        SELECT a.site, a.auto_status, count(*) AS resolved,
               count(*) FILTER (WHERE a.verdict = 'overturned') AS overturned
        FROM audits a
        JOIN unnest($1::text[], $2::text[]) s(site, version)
             ON a.site = s.site AND a.model_version = s.version
        WHERE a.verdict IS NOT NULL AND a.outcome = ANY($3::text[])
        GROUP BY a.site, a.auto_status
        """,
        list(served),
        list(served.values()),
        MODEL_OUTCOMES,
    )
    opened = await conn.fetch(
        "SELECT site, count(*) AS n FROM audits WHERE site = ANY($1::text[]) AND verdict IS NULL "
        "GROUP BY site",
        list(served),
    )
    out: dict[str, dict[str, Any]] = {
        site: {
            "approved": {"resolved": 0, "overturned": 0},
            "rejected": {"resolved": 0, "overturned": 0},
            "open": 0,
        }
        for site in served
    }
    for r in rows:
        out[r["site"]][r["auto_status"]] = {
            "resolved": r["resolved"],
            "overturned": r["overturned"],
        }
    for r in opened:
        out[r["site"]]["open"] = int(r["n"])
    return out


async def since_last_step(conn: Conn, model_version: str) -> dict[str, dict[str, int]]:
    """Per decision: the current level, and audits of the model's own decisions
    (MODEL_OUTCOMES) resolved since it was reached."""
    rows = await conn.fetch(
        """
        WITH last AS (
            SELECT decision, max(level) AS level, max(at) AS at
            FROM threshold_steps WHERE model_version = $1 GROUP BY decision
        )
        SELECT d.decision, coalesce(l.level, 0) AS level,
               count(a.comment_id) AS resolved,
               count(a.comment_id) FILTER (WHERE a.verdict = 'overturned') AS overturned
        FROM (VALUES ('approved'), ('rejected')) d(decision)
        LEFT JOIN last l ON l.decision = d.decision
        LEFT JOIN audits a ON a.auto_status = d.decision AND a.model_version = $1
             AND a.verdict IS NOT NULL AND a.resolved_at > coalesce(l.at, '-infinity')
             AND a.outcome = ANY($2::text[])
        GROUP BY d.decision, l.level
        """,
        model_version,
        MODEL_OUTCOMES,
    )
    return {
        r["decision"]: {
            "level": r["level"],
            "resolved": r["resolved"],
            "overturned": r["overturned"],
        }
        for r in rows
    }


async def add_step(
    conn: Conn,
    model_version: str,
    decision: str,
    level: int,
    audited: int,
    overturned: int,
    upper_bound: float,
) -> bool:
    """Record a step; False when another instance recorded the same one first."""
    result = await conn.execute(
        """
        INSERT INTO threshold_steps (model_version, decision, level, audited, overturned,
                                     upper_bound)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (model_version, decision, level) DO NOTHING
        """,
        model_version,
        decision,
        level,
        audited,
        overturned,
        upper_bound,
    )
    return str(result).endswith(" 1")


async def levels(conn: Conn, model_version: str) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT decision, max(level) AS level FROM threshold_steps "
        "WHERE model_version = $1 GROUP BY decision",
        model_version,
    )
    return {r["decision"]: r["level"] for r in rows}
