"""Reader flags (issue 16): a reader reports a published comment.

Public, so flood-limited as submissions are (intake/flood.py: the same interval,
rate and window per address, counted under their own subject kind), and one
flag per reader per comment: a reader is named by a hash of their address, never
the address. A reader whose email is confirmed (their signed cookie,
ops/reader_links.py) flags with `flag_confirmed_weight` (intake/readers.flag_weight).
When an approved comment's flags weigh `flag_threshold`, it goes back to the
queue as pending with the flags as its reason; the change is written with its
history in one statement (store/flags.py) and announced by
ops/events.comment_decided after the commit, like every status change.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiohttp import web

from moderation.domain import Status
from moderation.intake.flood import address_turn
from moderation.keys import POOL, SECRET_KEY
from moderation.ops import sites
from moderation.ops.events import comment_decided
from moderation.problems import Problem
from moderation.store import abuse as abuse_store
from moderation.store import flags as flag_store

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REASONS = ("spam", "abuse", "off_topic", "other")


@dataclass(frozen=True, slots=True)
class Flagged:
    comment_id: int
    status: Status  # the comment's status after this flag
    weight: int  # its flags' weight so far


def _no_such(comment_id: int) -> Problem:
    return Problem(404, "Not found", f"There is no published comment {comment_id}.")


async def flag(
    app: web.Application,
    site: str,
    comment_id: int,
    reason: str,
    note: str | None,
    ip: IPAddress | None,
    *,
    trusted: bool = False,
    weight: int = 1,
) -> Flagged:
    """Record a reader's flag; 404 for a comment not published, 409 for a second flag from
    the same reader, 429 when the address flags too fast."""
    settings = await sites.settings_for(app, site)
    key = app[SECRET_KEY]
    reader = abuse_store.subject(key, "flagger", str(ip) if ip is not None else "unknown")
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await flag_store.lock_comment(conn, site, comment_id)
        if row is None or row["status"] != Status.APPROVED.value:
            raise _no_such(comment_id)
        if not trusted:
            await address_turn(conn, settings, key, "flag-ip", ip)
        total = await flag_store.add(conn, site, comment_id, reader, reason, note, weight)
        if total is None:
            raise Problem(
                409, "Already flagged", "You have already reported this comment.", kind="flagged"
            )
        moved = None
        if total >= settings.flag_threshold:
            moved = await flag_store.back_to_queue(conn, site, comment_id)
    if moved is not None:
        comment_decided(
            app,
            moved["id"],
            moved["article"],
            "pending",
            None,
            flag_store.FLAGS_ACTOR,
            site=site,
        )
        return Flagged(comment_id, Status.PENDING, total)
    return Flagged(comment_id, Status.APPROVED, total)
