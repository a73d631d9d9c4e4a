"""The moderator API: the queue, claims, decisions and a comment's history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from moderation.domain import Principal, Role
from moderation.http import cursors
from moderation.http.auth import require_site
from moderation.http.requests import float_param, int_param, parse, path_id, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_moderator import (
    BulkDecisionIn,
    ClaimIn,
    DecisionIn,
    ReleaseIn,
    UndoIn,
)
from moderation.keys import POOL, SETTINGS
from moderation.problems import FieldErrors, Problem
from moderation.review import decisions as review_decisions
from moderation.review.presenters import decided_view, moderator_view
from moderation.review.undo import undo_decision
from moderation.store import audits as audit_store
from moderation.store import decisions, queue


def _seconds_param(request: web.Request, name: str) -> timedelta | None:
    if request.query.get(name) in (None, ""):
        return None
    return timedelta(seconds=int_param(request, name, 0, 0, 10 * 365 * 86400))


def _flagged_param(request: web.Request) -> bool | None:
    raw = request.query.get("flagged")
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise FieldErrors(
            [{"field": "flagged", "message": "must be true or false"}], "Invalid query"
        )
    return raw == "true"


async def list_queue(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    settings = request.app[SETTINGS]
    order = request.query.get("order", "oldest")
    if order not in queue.ORDERS:
        raise FieldErrors(
            [{"field": "order", "message": "must be oldest or uncertain"}], "Invalid query"
        )
    filters = queue.QueueFilter(
        article=request.query.get("article") or None,
        min_score=float_param(request.query, "min_score", 0, 1),
        max_score=float_param(request.query, "max_score", 0, 1),
        older_than=_seconds_param(request, "older_than"),
        newer_than=_seconds_param(request, "newer_than"),
        flagged=_flagged_param(request),
    )
    limit = int_param(request, "limit", settings.page_size_default, 1, settings.page_size_max)
    after = cursors.decode_key(request.query.get("cursor"), order)
    rows, total = await queue.page(request.app[POOL], site, filters, order, after, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursors.encode_key(order, rows[-1]["sort_key"], rows[-1]["id"]) if more else None
    return json_response(
        {
            "items": [moderator_view(r) for r in rows],
            "next_cursor": next_cursor,
            "total": total,
            "total_capped": total >= queue.TOTAL_CAP,  # "10 000 or more"
        }
    )


async def list_audits(request: web.Request) -> web.Response:
    """Automatic decisions sampled for a moderator to confirm (same action) or overturn."""
    _, site = await require_site(request, Role.MODERATOR)
    settings = request.app[SETTINGS]
    limit = int_param(request, "limit", settings.page_size_default, 1, settings.page_size_max)
    after = cursors.decode_key(request.query.get("cursor"), "oldest")
    rows = await audit_store.open_page(request.app[POOL], site, after, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = (
        cursors.encode_key("oldest", last["audited_at"], last["id"]) if more and last else None
    )
    return json_response(
        {
            "items": [
                {
                    **moderator_view(r),
                    "audit": {
                        "auto_status": r["auto_status"],
                        "outcome": r["outcome"],
                        "audited_at": r["audited_at"],
                    },
                }
                for r in rows
            ],
            "next_cursor": next_cursor,
        }
    )


async def claim(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.MODERATOR)
    body = parse(ClaimIn, await _json_or_empty(request), {})
    rows = await queue.claim(request.app[POOL], site, who.name, body.limit, queue.CLAIM_LEASE)
    return json_response({"items": [moderator_view(r) for r in rows]})


async def release(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.MODERATOR)
    body = parse(ReleaseIn, await read_payload(request), {})
    n = await queue.release(request.app[POOL], site, None if who.is_admin else who.name, body.ids)
    return json_response({"released": n})


async def _json_or_empty(request: web.Request) -> dict[str, Any]:
    return await read_payload(request) if request.can_read_body else {}


async def _decided(
    who: Principal, request: web.Request, site: str, comment_id: int, d: DecisionIn
) -> Any:
    return await review_decisions.apply_decision(
        request.app, who, site, comment_id, d.action, d.note, d.expected_status
    )


async def post_decision(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    body = parse(DecisionIn, await read_payload(request), {})
    row = await _decided(who, request, site, comment_id, body)
    return json_response(decided_view(row))


async def post_undo(request: web.Request) -> web.Response:
    """Put a comment back as it was before a moderator's decision, if nothing changed since."""
    who, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    body = parse(UndoIn, await read_payload(request), {})
    row = await undo_decision(request.app, who, site, comment_id, body.decision_id)
    return json_response(decided_view(row))


async def decide_many(request: web.Request) -> web.Response:
    """Many decisions in one request; each stands or fails on its own."""
    who, site = await require_site(request, Role.MODERATOR)
    body = parse(BulkDecisionIn, await read_payload(request), {})
    results: list[dict[str, Any]] = []
    for item in body.items:
        try:
            row = await _decided(who, request, site, item.id, item)
        except Problem as exc:
            results.append(
                {"id": item.id, "ok": False, "error": review_decisions.problem_summary(exc)}
            )
        else:
            results.append(
                {
                    "id": item.id,
                    "ok": True,
                    "status": row["status"],
                    "rejection": row["rejection"],
                    "decision_id": row["decision_id"],
                }
            )
    return json_response({"items": results})


async def show(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    row = await decisions.get(request.app[POOL], site, comment_id)
    if row is None:
        raise review_decisions.not_found(comment_id)
    view = moderator_view(row)
    label = await decisions.label_of(request.app[POOL], site, comment_id)
    view["label"] = dict(label) if label else None
    return json_response(view)


async def history(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    pool = request.app[POOL]
    rows = await decisions.history(pool, site, comment_id)
    if not rows and await decisions.get(pool, site, comment_id) is None:
        raise review_decisions.not_found(comment_id)
    items = [
        {
            "id": r["id"],
            "at": r["at"],
            "by": r["actor"],
            "from": r["from_status"],
            "to": r["to_status"],
            "rejection": r["rejection"],
            "spam_score": r["spam_score"],
            "model_version": r["model_version"],
            "note": r["note"],
        }
        for r in rows
    ]
    return json_response({"items": items, "next_cursor": None})
