"""Decisions on Akismet checks: a moderator's here, or the site's own (from WordPress).

A held check is decided like a held comment: the row is locked, the status
changes with a history entry, the training label follows the action (approve →
ham, spam → spam, reject → none). When the decision is taken in this service (a
moderator, the API, the desk) the site is told with a signed `check.decided`
webhook (contrib/wordpress/README.md), through ops/events.check_decided; a decision
the site itself reported (submit-spam/submit-ham on a held check) is not sent back to it.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from moderation.domain import Principal
from moderation.keys import POOL
from moderation.ops.events import check_decided
from moderation.problems import Problem
from moderation.review.decisions import ACTIONS
from moderation.store import checks as check_store
from moderation.store.queue import claim_is_live


def not_found(check_id: int) -> Problem:
    return Problem(404, "Not found", f"There is no check {check_id}.")


async def decide_check(
    conn: asyncpg.Connection,
    site: str,
    check_id: int,
    action: str,
    *,
    by: str,
    source: str,
    note: str | None = None,
    expected_status: str | None = None,
    who: Principal | None = None,
) -> asyncpg.Record:
    """Apply `action` to a check inside the caller's transaction; 404, or 409 when stale
    or claimed by another moderator."""
    status, rejection, label = ACTIONS[action]
    row = await check_store.lock(conn, site, check_id)
    if row is None:
        raise not_found(check_id)
    if expected_status is not None and row["status"] != expected_status:
        raise Problem(
            409,
            "Stale decision",
            f"The check is {row['status']} now, not {expected_status}.",
            kind="stale",
            extra={
                "current": {
                    "status": row["status"],
                    "rejection": row["rejection"],
                    "decided_by": row["decided_by"],
                }
            },
        )
    if (
        who is not None
        and claim_is_live(row, row["now"])
        and row["claimed_by"] != who.name
        and not who.is_admin
    ):
        raise Problem(
            409,
            "Claimed by another moderator",
            f"{row['claimed_by']} holds this check.",
            kind="claimed",
            extra={"claimed_by": row["claimed_by"]},
        )
    updated = await check_store.apply(
        conn,
        check_id,
        status=status.value,
        rejection=rejection.value if rejection else None,
        actor=by,
        from_status=row["status"],
        note=note,
    )
    await check_store.set_label(conn, site, check_id, label, source, by)
    return updated


async def apply_decision(
    app: web.Application,
    who: Principal,
    site: str,
    check_id: int,
    action: str,
    note: str | None = None,
    expected_status: str | None = None,
) -> asyncpg.Record:
    """A moderator's decision on a check (the API, the desk); the site hears of it."""
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await decide_check(
            conn,
            site,
            check_id,
            action,
            by=who.name,
            source="moderator",
            note=note,
            expected_status=expected_status,
            who=who,
        )
    check_decided(app, row, who.name, tell_site=True)
    return row
