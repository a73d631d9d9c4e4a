"""submit-spam and submit-ham: a site tells what a check should have said.

The check is found by `guid` (the X-akismet-guid of its comment-check, as the
WordPress bridge and careful clients send it), else by the site's latest check
with the same email and text. A report on a *held* check is the site's
moderator deciding it (submit-ham approves, submit-spam marks spam), with its
history entry; on a decided check it only gives the training label. A comment
this service never checked is kept as labelled text, as imports are.
`is_test=1` is answered like any report and records nothing: test traffic
never becomes training data.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from moderation.domain import Status
from moderation.intake.akismet import Site, clean, truthy
from moderation.keys import POOL, SETTINGS
from moderation.review import checks as review_checks
from moderation.store import checks as check_store
from moderation.store import labels as label_store

SOURCE = "akismet"


@dataclass(frozen=True, slots=True)
class Reported:
    check_id: int | None
    decided: bool  # a held check got its decision from the report
    recorded: bool  # anything was stored (False for is_test)


def _guid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


async def report(app: web.Application, form: Mapping[str, str], site: Site, label: str) -> Reported:
    """Record `label` ('spam' or 'ham') for the check the form names."""
    if truthy(form.get("is_test")):
        return Reported(None, False, False)
    settings = app[SETTINGS]
    name = clean(form.get("comment_author"), settings.max_name_chars).strip()
    email = clean(form.get("comment_author_email"), settings.max_email_chars).strip()
    url = clean(form.get("comment_author_url"), settings.max_url_chars).strip()
    body = clean(form.get("comment_content")).strip()
    guid = _guid(form.get("guid"))
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await check_store.by_guid(conn, site.site, guid) if guid else None
        if row is None:
            row = await check_store.by_content(conn, site.site, email, body)
        if row is None:
            if body:
                await label_store.label_text(
                    conn,
                    label=label,
                    given_by=site.name,
                    name=name,
                    email=email,
                    url=url,
                    body=body,
                )
            return Reported(None, False, bool(body))
        if row["status"] == Status.PENDING:
            action = "approve" if label == "ham" else "spam"
            decided = await review_checks.decide(
                conn, row["id"], action, by=site.name, source=SOURCE, note=f"submit-{label}"
            )
        else:
            decided = None
            await check_store.set_label(conn, row["id"], label, SOURCE, site.name)
    if decided is not None:
        review_checks.announce(app, decided, site.name, tell_site=False)
    return Reported(int(row["id"]), decided is not None, True)
