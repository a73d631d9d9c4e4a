"""What happened, told to whoever listens: metrics now, webhooks after the commit.

`comment_decided` is the one door for a comment's status change: every service
that changes a status calls it after the transaction that made the change has
committed (so nothing is announced that could still roll back), whichever
entry point asked for the change. The history row is written by the very
statement that changes the status (store/comments.py, store/decisions.py), so
the two cannot disagree; this function adds the metric
(`moderation_decisions_total`), the webhook outbox row, and drops this
instance's cached pages of the article (ops/pages.py; triggers tell the
other instances, in the same transaction as the change).

Who calls it: intake/submission.accept (a public submission's automatic
decision), review/decisions.apply_decision (a moderator's decision from the API, a bulk
request or the desk) and registry/rescore.rescore_pending (a new model's
decision on a pending comment). Akismet checks are not comments: their decisions
are announced by review/checks.announce (`check.decided`, to the site).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from moderation.domain import AUTO, Decision
from moderation.keys import SETTINGS
from moderation.ops import jobs, mail, webhooks
from moderation.ops.observability import METRICS
from moderation.ops.pages import page_changed


def comment_decided(
    app: web.Application,
    comment_id: int,
    article: str,
    status: str,
    rejection: str | None,
    by: str,
    *,
    site: str,
) -> None:
    """A comment of `site` got a status, automatically (`by` = "auto") or from a moderator."""
    metrics = app.get(METRICS)
    if metrics is not None:
        metrics.decided(status, rejection, automatic=by == AUTO, site=site)
    if status == "approved" or by != AUTO:  # a moderator may have unpublished it
        # Every instance hears of it from the database (ops/pages.py); this one at once.
        page_changed(app, site, article)
    if status == "approved" and by != AUTO:
        mail.published(app, site, comment_id)  # its author may have asked to hear of it
    if app[SETTINGS].webhook_urls:
        event = "comment.held" if status == "pending" else "comment.decided"
        data = {
            "site": site,
            "comment_id": comment_id,
            "article": article,
            "status": status,
            "rejection": rejection,
            "by": by,
        }
        jobs.background(app, webhooks.emit(app, site, event, data))


def row_decided(app: web.Application, row: Mapping[str, Any], by: str) -> None:
    """`comment_decided` for a comment row as a decision statement returned it."""
    comment_decided(
        app, row["id"], row["article"], row["status"], row["rejection"], by, site=row["site"]
    )


def decided_automatically(
    app: web.Application, site: str, comment_id: int, article: str, decision: Decision
) -> None:
    """A comment stored (or re-scored) with an automatic decision."""
    rejection = decision.rejection.value if decision.rejection else None
    comment_decided(app, comment_id, article, decision.status.value, rejection, AUTO, site=site)


def comment_deleted(app: web.Application, site: str, comment_id: int, article: str) -> None:
    """Its author deleted a comment (intake/readers.py): pages drop it, the site hears of it."""
    page_changed(app, site, article)
    if app[SETTINGS].webhook_urls:
        data = {"site": site, "comment_id": comment_id, "article": article, "by": "author"}
        jobs.background(app, webhooks.emit(app, site, "comment.deleted", data))


def model_activated(app: web.Application, site: str, version: str, by: str) -> None:
    if app[SETTINGS].webhook_urls:
        data = {"site": site, "version": version, "by": by}
        jobs.background(app, webhooks.emit(app, site, "model.activated", data))


def thresholds_tightened(app: web.Application, data: dict[str, object]) -> None:
    """Audits showed automation erring more than its target: thresholds moved a level.
    Told to the site that owns the model (`data["site"]`; `default` for the installation's)."""
    if app[SETTINGS].webhook_urls:
        site = str(data["site"])
        jobs.background(app, webhooks.emit(app, site, "thresholds.tightened", dict(data)))
