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
request or the desk), review/undo.undo, intake/flags.py and intake/readers.py (back to
the queue) and registry/rescore.rescore_pending (a new model's decision on a pending
comment). Akismet checks are not comments: their decisions are announced by
`check_decided` (`check.decided`, to the site), from review/ and registry/rescore.py.
tests/unit/test_architecture.py checks that every module calling a status-writing store
function also calls this module.

Imports (adopt/) write history but announce nothing, on purpose: a site's past is
not news, and a bulk import must not fire thousands of webhooks.
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

CHECK_DECIDED = "check.decided"


def comment_decided(
    app: web.Application,
    comment_id: int,
    article: str,
    status: str,
    rejection: str | None,
    by: str,
    *,
    site: str,
    was_held: bool = False,
) -> None:
    """A comment of `site` got a status, automatically (`by` = "auto") or from a moderator.

    Its author hears of a publication (ops/mail.published) when a moderator approved it
    or when it `was_held` (re-scoring): an automatic approval at submission is news to
    nobody."""
    metrics = app.get(METRICS)
    if metrics is not None:
        metrics.decided(status, rejection, automatic=by == AUTO, site=site)
    if status == "approved" or by != AUTO:  # a moderator may have unpublished it
        # Every instance hears of it from the database (ops/pages.py); this one at once.
        page_changed(app, site, article)
    if status == "approved" and (by != AUTO or was_held):
        mail.published(app, site, comment_id)  # its author may have asked to hear of it
    if webhooks.enabled(app[SETTINGS]):
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
    app: web.Application,
    site: str,
    comment_id: int,
    article: str,
    decision: Decision,
    *,
    was_held: bool = False,
) -> None:
    """A comment stored, or re-scored from the queue (`was_held`), with an automatic
    decision."""
    rejection = decision.rejection.value if decision.rejection else None
    comment_decided(
        app,
        comment_id,
        article,
        decision.status.value,
        rejection,
        AUTO,
        site=site,
        was_held=was_held,
    )


def check_stored(app: web.Application, site: str, decision: Decision) -> None:
    """An Akismet check stored with its automatic decision (intake/akismet.py): counted,
    not announced (the site has its answer already, and a check is not a comment)."""
    metrics = app.get(METRICS)
    if metrics is not None:
        rejection = decision.rejection.value if decision.rejection else None
        metrics.decided(decision.status.value, rejection, automatic=True, site=site)


def check_decided(
    app: web.Application, row: Mapping[str, Any], by: str, *, tell_site: bool
) -> None:
    """An Akismet check (a check row as its decision statement returned it) got a status:
    the metric, and the `check.decided` webhook to the site when the site did not decide
    it itself (submit-spam/submit-ham on a held check). Call after the commit."""
    metrics = app.get(METRICS)
    if metrics is not None:
        metrics.decided(row["status"], row["rejection"], automatic=by == AUTO, site=row["site"])
    if tell_site and webhooks.enabled(app[SETTINGS]):
        data = {
            "site": row["site"],
            "guid": str(row["guid"]),
            "status": row["status"],
            "rejection": row["rejection"],
            "by": by,
        }
        jobs.background(app, webhooks.emit(app, row["site"], CHECK_DECIDED, data))


def comment_deleted(app: web.Application, site: str, comment_id: int, article: str) -> None:
    """Its author deleted a comment (intake/readers.py): pages drop it, the site hears of it."""
    page_changed(app, site, article)
    if webhooks.enabled(app[SETTINGS]):
        data = {"site": site, "comment_id": comment_id, "article": article, "by": "author"}
        jobs.background(app, webhooks.emit(app, site, "comment.deleted", data))


def model_activated(app: web.Application, site: str, version: str, by: str) -> None:
    if webhooks.enabled(app[SETTINGS]):
        data = {"site": site, "version": version, "by": by}
        jobs.background(app, webhooks.emit(app, site, "model.activated", data))


def thresholds_tightened(app: web.Application, data: dict[str, object]) -> None:
    """Audits showed automation erring more than its target: thresholds moved a level.
    Told to the site that owns the model (`data["site"]`; `default` for the installation's)."""
    if webhooks.enabled(app[SETTINGS]):
        site = str(data["site"])
        jobs.background(app, webhooks.emit(app, site, "thresholds.tightened", dict(data)))
