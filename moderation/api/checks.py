"""The moderator API for Akismet checks: their review queue, one check, its history, a
decision. A separate queue from `/v1/queue` (which lists comments): a check is not a
comment (no article, no thread; a site's form message or sign-up), its id is its own,
and clients of the comment queue keep their shapes. A decision here reaches the site
as a signed `check.decided` webhook (review/checks.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from moderation.domain import Role, Status
from moderation.http import cursors
from moderation.http.auth import require_site
from moderation.http.requests import int_param, parse, path_id, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_moderator import DecisionIn
from moderation.keys import POOL, SETTINGS
from moderation.problems import FieldErrors
from moderation.review import checks as review_checks
from moderation.review.presenters import check_view, history_entries
from moderation.store import checks as check_store

ORDER = "oldest"  # the cursor codec of the comment queue's oldest-first order


async def list_checks(request: web.Request) -> web.Response:
    """A site's checks in a status (default pending), oldest first; `comment_type` filters."""
    _, site = await require_site(request, Role.MODERATOR)
    settings = request.app[SETTINGS]
    status = request.query.get("status", Status.PENDING.value)
    if status not in {s.value for s in Status}:
        raise FieldErrors(
            [{"field": "status", "message": "must be approved, pending or rejected"}],
            "Invalid query",
        )
    limit = int_param(request, "limit", settings.page_size_default, 1, settings.page_size_max)
    after = cursors.decode_key(request.query.get("cursor"), ORDER)
    rows, total = await check_store.page(
        request.app[POOL],
        site=site,
        status=status,
        comment_type=request.query.get("comment_type") or None,
        after=after,
        limit=limit,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = (
        cursors.encode_key(ORDER, last["created_at"], last["id"]) if more and last else None
    )
    return json_response(
        {"items": [check_view(r) for r in rows], "next_cursor": next_cursor, "total": total}
    )


async def _found(request: web.Request, site: str) -> tuple[int, Any]:
    check_id = path_id(request.match_info["id"])
    row = await check_store.get(request.app[POOL], site, check_id)
    if row is None:
        raise review_checks.not_found(check_id)
    return check_id, row


async def show(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    check_id, row = await _found(request, site)
    view = check_view(row)
    label = await check_store.label_of(request.app[POOL], site, check_id)
    view["label"] = dict(label) if label else None
    return json_response(view)


async def history(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    check_id, _ = await _found(request, site)
    rows = await check_store.history(request.app[POOL], site, check_id)
    return json_response({"items": history_entries(rows), "next_cursor": None})


async def post_decision(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.MODERATOR)
    check_id = path_id(request.match_info["id"])
    body = parse(DecisionIn, await read_payload(request), {})
    row = await review_checks.apply_decision(
        request.app, who, site, check_id, body.action, body.note, body.expected_status
    )
    return json_response(check_view(row))
