"""Moderators' decisions: one comment at a time, serialised by a row lock.

Free of HTTP: the JSON API, bulk decisions and the desk pages all call here, and
the decision is announced here (ops/events.comment_decided: metrics, webhooks),
so no entry point can forget it.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from moderation.domain import Principal, Rejection, Status
from moderation.keys import POOL
from moderation.ops.events import row_decided
from moderation.problems import Problem
from moderation.store import audits, decisions
from moderation.store.queue import claim_is_live

# action -> (new status, rejection, training label)
ACTIONS: dict[str, tuple[Status, Rejection | None, str | None]] = {
    "approve": (Status.APPROVED, None, "ham"),
    "spam": (Status.REJECTED, Rejection.SPAM, "spam"),
    "reject": (Status.REJECTED, Rejection.REMOVED, None),
}


# A state as a moderator says it: "rejected" hides whether it was spam.
SAID = {
    "approved": "approved",
    "pending": "pending",
    "spam": "marked as spam",
    "removed": "removed",
}


def _stale_detail(row: Any, expected: str) -> str:
    """What happened meanwhile, precisely: "marked as spam by dana", not "rejected"."""
    now = row["rejection"] if row["status"] == "rejected" and row["rejection"] else row["status"]
    by = row["decided_by"]
    who = "automatically" if by == "auto" else f"by {by}"
    return f"The comment was {SAID.get(now, now)} {who} meanwhile; it is no longer {expected}."


def not_found(comment_id: int) -> Problem:
    return Problem(404, "Not found", f"There is no comment {comment_id}.")


async def apply_decision(
    app: web.Application,
    who: Principal,
    site: str,
    comment_id: int,
    action: str,
    note: str | None = None,
    expected_status: str | None = None,
) -> asyncpg.Record:
    """Apply a moderator's action and announce it; 404, or 409 when stale or claimed by
    someone else."""
    status, rejection, label = ACTIONS[action]
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await decisions.lock(conn, site, comment_id)
        if row is None:
            raise not_found(comment_id)
        if expected_status is not None and row["status"] != expected_status:
            raise Problem(
                409,
                "Stale decision",
                _stale_detail(row, expected_status),
                kind="stale",
                extra={
                    "current": {
                        "status": row["status"],
                        "rejection": row["rejection"],
                        "decided_by": row["decided_by"],
                    }
                },
            )
        if claim_is_live(row, row["now"]) and row["claimed_by"] != who.name and not who.is_admin:
            raise Problem(
                409,
                "Claimed by another moderator",
                f"{row['claimed_by']} holds this comment until "
                f"{row['claim_expires_at'].isoformat()}.",
                kind="claimed",
                extra={"claimed_by": row["claimed_by"]},
            )
        updated = await decisions.apply(
            conn,
            site,
            comment_id,
            status=status.value,
            rejection=rejection.value if rejection else None,
            actor=who.name,
            from_status=row["status"],
            note=note,
        )
        await decisions.set_label(conn, site, comment_id, label, who.name)
        await audits.resolve(conn, site, comment_id, status.value, who.name)
    row_decided(app, updated, who.name)
    return updated


def problem_summary(exc: Problem) -> dict[str, Any]:
    body = exc.body()
    return {k: body[k] for k in ("type", "title", "status", "detail") if k in body}
