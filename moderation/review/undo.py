"""Undoing a moderator's decision: the comment goes back to what it was before it.

Safe only while nothing else changed the comment since: the decision must still be
the comment's last history row (the row lock serialises this check with any other
decision). The undo is itself a status change: a history row, the training label
and the audit put back as they were, and the announcement through
ops/events.comment_decided (metric, webhook, the article's cached pages: a comment
unpublished by the undo leaves the public page).
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from moderation.domain import AUTO, Principal
from moderation.keys import POOL
from moderation.ops.events import row_decided
from moderation.problems import Problem
from moderation.review.decisions import SAID, not_found
from moderation.store import audits, decisions
from moderation.store.queue import CLAIM_LEASE

# The label a restored state carries when a moderator had decided it.
LABELS = {("approved", None): "ham", ("rejected", "spam"): "spam"}


def _said(status: str, rejection: str | None) -> str:
    key = rejection if status == "rejected" and rejection else status
    return "sent back to the queue" if key == "pending" else SAID.get(key, key)


async def undo_decision(
    app: web.Application, who: Principal, site: str, comment_id: int, decision_id: int
) -> asyncpg.Record:
    """Revert decision `decision_id` (a history row of the comment); the comment after it.

    404 for an unknown comment or decision, 403 for another moderator's decision
    (admins may undo anyone's), 409 when the decision was automatic or the comment
    changed since.
    """
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await decisions.lock(conn, site, comment_id)
        if row is None:
            raise not_found(comment_id)
        d = await decisions.undoable(conn, site, comment_id, decision_id)
        if d is None:
            raise Problem(404, "Not found", f"Comment {comment_id} has no decision {decision_id}.")
        if d["actor"] == AUTO or d["from_status"] is None:
            raise Problem(
                409, "Not a moderator's decision", "Only a moderator's decision can be undone."
            )
        if d["actor"] != who.name and not who.is_admin:
            raise Problem(
                403, "Forbidden", f"Only {d['actor']} or an admin can undo this decision."
            )
        if d["last_id"] != decision_id:
            by = d["last_actor"]
            raise Problem(
                409,
                "Stale decision",
                f"The comment was {_said(row['status'], row['rejection'])} "
                f"{'automatically' if by == AUTO else 'by ' + by} since; "
                "the decision can no longer be undone.",
                kind="stale",
                extra={
                    "current": {
                        "status": row["status"],
                        "rejection": row["rejection"],
                        "decided_by": row["decided_by"],
                    }
                },
            )
        status = d["from_status"]
        rejection = (d["prev_rejection"] or "removed") if status == "rejected" else None
        decided_by = d["prev_actor"] or AUTO
        updated = await decisions.revert(
            conn,
            comment_id,
            status=status,
            rejection=rejection,
            decided_by=decided_by,
            actor=who.name,
            lease=CLAIM_LEASE,
            from_status=row["status"],
            note=f"undid decision {decision_id}",
        )
        # The label the earlier state had: a moderator's decision labels; automation does not.
        label = LABELS.get((status, rejection)) if decided_by != AUTO else None
        await decisions.set_label(conn, site, comment_id, label, decided_by)
        await audits.reopen(conn, site, comment_id, d["actor"], d["at"])
    row_decided(app, updated, who.name)
    return updated
