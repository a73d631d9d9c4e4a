"""submit-spam and submit-ham: a site tells what a check should have said.

The check is found by `guid` (the X-akismet-guid of its comment-check, as the
WordPress bridge and careful clients send it), else by the site's latest check
with the same email and text. A report on a *held* check is the site's
moderator deciding it (submit-ham approves, submit-spam marks spam), with its
history entry; on a decided check it only gives the training label. A comment
this service never checked is kept as labelled text, as imports are.
`is_test=1` is answered like any report and records nothing: test traffic
never becomes training data. (In review/, not intake/: a report on a held check
is a decision, review/checks.py's.)

`removed` is the WordPress bridge's own report (`/1.1/submit-removed`, not
Akismet's): a comment the site's moderator trashed or deleted while it was held
here. The held check is rejected as removed (not spam: no training label), so it
leaves the queue; a check already decided is left as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from moderation.domain import Status
from moderation.keys import POOL, SETTINGS
from moderation.ops.events import check_decided
from moderation.review import checks as review_checks
from moderation.store import checks as check_store
from moderation.store import labels as label_store

SOURCE = "akismet"


@dataclass(frozen=True, slots=True)
class Reported:
    check_id: int | None
    decided: bool  # a held check got its decision from the report
    recorded: bool  # anything was stored (False for is_test)


def _field(form: Mapping[str, str], name: str, limit: int | None = None) -> str:
    text = (form.get(name) or "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
    return (text[:limit] if limit is not None else text).strip()


def _guid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


async def report(
    app: web.Application,
    form: Mapping[str, str],
    *,
    site: str,
    given_by: str,
    label: str,
    is_test: bool,
) -> Reported:
    """Record `label` ('spam' or 'ham') from `given_by` (the key's name) for the check of
    `site` the form names."""
    if is_test:
        return Reported(None, False, False)
    settings = app[SETTINGS]
    name = _field(form, "comment_author", settings.max_name_chars)
    email = _field(form, "comment_author_email", settings.max_email_chars)
    url = _field(form, "comment_author_url", settings.max_url_chars)
    body = _field(form, "comment_content")
    guid = _guid(form.get("guid"))
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await check_store.by_guid(conn, site, guid) if guid else None
        if row is None:
            row = await check_store.by_content(conn, site, email, body)
        if row is None:
            if body:
                await label_store.label_text(
                    conn,
                    site=site,
                    label=label,
                    given_by=given_by,
                    name=name,
                    email=email,
                    url=url,
                    body=body,
                )
            return Reported(None, False, bool(body))
        if row["status"] == Status.PENDING:
            action = "approve" if label == "ham" else "spam"
            decided = await review_checks.decide_check(
                conn,
                row["site"],
                row["id"],
                action,
                by=given_by,
                source=SOURCE,
                note=f"submit-{label}",
            )
        else:
            decided = None
            await check_store.set_label(conn, row["site"], row["id"], label, SOURCE, given_by)
    if decided is not None:
        check_decided(app, decided, given_by, tell_site=False)
    return Reported(int(row["id"]), decided is not None, True)


async def removed(
    app: web.Application, form: Mapping[str, str], *, site: str, given_by: str, is_test: bool
) -> Reported:
    """The site removed (trashed, deleted) the comment of the held check `guid` names."""
    guid = _guid(form.get("guid"))
    if is_test or guid is None:
        return Reported(None, False, False)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await check_store.by_guid(conn, site, guid)
        if row is None or row["status"] != Status.PENDING:
            return Reported(None if row is None else int(row["id"]), False, False)
        decided = await review_checks.decide_check(
            conn, row["site"], row["id"], "reject", by=given_by, source=SOURCE, note="removed"
        )
    check_decided(app, decided, given_by, tell_site=False)
    return Reported(int(row["id"]), True, True)
