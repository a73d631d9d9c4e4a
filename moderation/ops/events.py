"""What happened, told to whoever listens: metrics now, webhooks after the commit.

Handlers call these after the transaction that made the change has
committed, so nothing is announced that could still roll back.
"""

from __future__ import annotations

from aiohttp import web

from moderation.domain import Decision
from moderation.keys import SETTINGS
from moderation.ops import jobs, webhooks
from moderation.ops.observability import METRICS


def decided(
    app: web.Application,
    comment_id: int,
    article: str,
    status: str,
    rejection: str | None,
    by: str,
) -> None:
    """A comment got a status, automatically (`by` = "auto") or from a moderator."""
    metrics = app.get(METRICS)
    if metrics is not None:
        metrics.decided(status, rejection, automatic=by == "auto")
    if app[SETTINGS].webhook_urls:
        event = "comment.held" if status == "pending" else "comment.decided"
        data = {
            "comment_id": comment_id,
            "article": article,
            "status": status,
            "rejection": rejection,
            "by": by,
        }
        jobs.background(app, webhooks.emit(app, event, data))


def submitted(app: web.Application, comment_id: int, article: str, decision: Decision) -> None:
    """A new comment was stored with its automatic decision."""
    rejection = decision.rejection.value if decision.rejection else None
    decided(app, comment_id, article, decision.status.value, rejection, "auto")


def model_activated(app: web.Application, version: str, by: str) -> None:
    if app[SETTINGS].webhook_urls:
        jobs.background(app, webhooks.emit(app, "model.activated", {"version": version, "by": by}))
