"""A reader's own comments, by the signed link of their mail (issue 16).

No account: the link (ops/reader_links.py) stands for an email address. The
reader sees each of their comments with the status they may know (a moderator's
removal is said; a spam rejection looks held when submission.shown_status says
so), deletes one, or appeals a rejection once with a short note. An appeal
sends the comment back to the queue with the note as its reason, announced by
ops/events.comment_decided; the moderator's answer labels it as any decision
does (review/decisions.py). Deleting and appealing are flood-limited per
address by the comments' count per window (not their interval: a reader tidies up
several comments in a row).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiohttp import web

from moderation.domain import Rejection, Status
from moderation.intake.flood import address_turn
from moderation.intake.submission import shown_status
from moderation.keys import POOL, SECRET_KEY, SETTINGS
from moderation.ops import reader_links
from moderation.ops.events import comment_decided, comment_deleted
from moderation.problems import FieldErrors, Problem
from moderation.settings import Settings
from moderation.store import mail as mail_store
from moderation.store import readers as reader_store

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LISTED = 200  # the newest this many comments
APPEAL_CHARS = 500


@dataclass(frozen=True, slots=True)
class Own:
    site: str
    id: int
    article: str
    body: str
    status: Status  # as its author may know it
    created_at: datetime
    can_appeal: bool


def bad_link() -> Problem:
    return Problem(
        403,
        "Link not valid",
        "This link is not valid or has expired: the newest mail about your comments has "
        "a fresh one.",
        kind="link",
    )


def reader_of(app: web.Application, purpose: str, signed: str | None) -> str:
    """The reader (an address on a site: ops/reader_links.identity) a link stands for, or
    403."""
    reader = reader_links.reader_of(app, purpose, signed)
    if not reader:
        raise bad_link()
    return reader


def _shown(row: asyncpg.Record, settings: Settings) -> Status:
    """What the author may know: a moderator's removal is said (and can be appealed); a
    spam rejection follows spam_answer, so a spammer cannot probe the filter here."""
    status = Status(row["status"])
    if status is Status.REJECTED and row["rejection"] == Rejection.REMOVED.value:
        return status
    return shown_status(status, settings)


def _own(row: asyncpg.Record, status: Status) -> Own:
    return Own(
        site=row["site"],
        id=row["id"],
        article=row["article"],
        body=row["body"],
        status=status,
        created_at=row["created_at"],
        can_appeal=status is Status.REJECTED and not row["appealed"],
    )


async def confirm(app: web.Application, signed: str | None) -> str:
    """The link's address is confirmed on its site; returns the reader."""
    reader = reader_of(app, reader_links.CONFIRM, signed)
    await mail_store.confirm(app[POOL], *reader_links.split(reader))
    return reader


async def own_comments(app: web.Application, reader: str) -> list[Own]:
    settings = app[SETTINGS]
    site, email = reader_links.split(reader)
    rows = await reader_store.own_comments(app[POOL], site, email, LISTED)
    return [_own(r, _shown(r, settings)) for r in rows]


async def delete(app: web.Application, reader: str, comment_id: int, ip: IPAddress | None) -> None:
    """The author deletes their comment: 404 if it is not theirs, 429 when too fast."""
    site, email = reader_links.split(reader)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await reader_store.lock_own(conn, site, email, comment_id)
        if row is None:
            raise _not_yours(comment_id)
        await address_turn(conn, app[SETTINGS], app[SECRET_KEY], "reader-ip", ip, interval=False)
        await reader_store.delete_own(conn, site, comment_id)
    comment_deleted(app, site, comment_id, row["article"])


async def appeal(
    app: web.Application, reader: str, comment_id: int, note: str, ip: IPAddress | None
) -> None:
    """Back to the queue with the note: 404 if not theirs, 409 if not a rejection its
    author may appeal (or appealed already), 422 for an empty note, 429 when too fast."""
    note = " ".join(note.split())[:APPEAL_CHARS]
    if not note:
        raise FieldErrors(
            [{"field": "note", "message": "say in a few words why it should be published"}],
            "Invalid appeal",
        )
    settings = app[SETTINGS]
    site, email = reader_links.split(reader)
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await reader_store.lock_own(conn, site, email, comment_id)
        if row is None:
            raise _not_yours(comment_id)
        if _shown(row, settings) is not Status.REJECTED or row["appealed"]:
            raise Problem(
                409,
                "Cannot appeal",
                "Only a rejected comment can be appealed, once.",
                kind="appeal",
            )
        await address_turn(conn, settings, app[SECRET_KEY], "reader-ip", ip, interval=False)
        moved = await reader_store.appeal(conn, site, comment_id, note)
    if moved is not None:
        comment_decided(app, moved["id"], moved["article"], "pending", None, "appeal", site=site)


def _not_yours(comment_id: int) -> Problem:
    return Problem(404, "Not found", f"You have no comment {comment_id}.")


async def flag_weight(app: web.Application, site: str, cookie: str | None) -> int:
    """What a flag weighs: more from a reader whose signed cookie names an email confirmed
    on the flagged comment's site."""
    reader = reader_links.reader_of(app, reader_links.COOKIE, cookie)
    if (
        reader
        and reader_links.split(reader)[0] == site
        and await mail_store.is_confirmed(app[POOL], *reader_links.split(reader))
    ):
        return app[SETTINGS].flag_confirmed_weight
    return 1
