"""The moderator API behind the desk: search, commenters, notes and run-time rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from moderation.domain import Role
from moderation.http import cursors
from moderation.http.auth import require_site
from moderation.http.requests import int_param, parse, path_id, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_desk import NoteIn, RulesIn, search_cursor, search_filter
from moderation.keys import POOL, SETTINGS
from moderation.ops import site_rules
from moderation.problems import FieldErrors, Problem
from moderation.review import cards
from moderation.review.decisions import not_found
from moderation.review.presenters import moderator_view
from moderation.store import commenters, decisions, notes, search

MAX_EMAIL = 254


async def search_comments(request: web.Request) -> web.Response:
    """A site's comments in any state by words, sender, article and time, newest first."""
    _, site = await require_site(request, Role.MODERATOR)
    settings = request.app[SETTINGS]
    filters = search_filter(request.query)
    limit = int_param(request, "limit", settings.page_size_default, 1, settings.page_size_max)
    before = search_cursor(request.query.get("cursor"))
    rows = await search.page(request.app[POOL], site, filters, before, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    return json_response(
        {
            "items": [moderator_view(r) for r in rows],
            "next_cursor": cursors.encode(rows[-1]["id"]) if more else None,
        }
    )


async def commenter(request: web.Request) -> web.Response:
    """What a site knows about a sender: counts by state, first and last seen, badges."""
    _, site = await require_site(request, Role.MODERATOR)
    email = request.match_info["email"].strip().lower()
    if not email or len(email) > MAX_EMAIL or "@" not in email or "\x00" in email:
        raise FieldErrors(
            [{"field": "email", "message": "must be an email address"}], "Invalid email"
        )
    found = await commenters.summaries(request.app[POOL], site, [email])
    row = found.get(email)
    if row is None:
        raise Problem(404, "Not found", "No comment was ever sent from this address.")
    who = cards.commenter(email, row)
    return json_response({k: v for k, v in who.items() if k != "line"})


async def add_note(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    body = parse(NoteIn, await read_payload(request), {})
    row = await notes.add(request.app[POOL], site, comment_id, who.name, body.note)
    if row is None:
        raise not_found(comment_id)
    return json_response(cards.note_view(row), status=201)


async def list_notes(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.MODERATOR)
    comment_id = path_id(request.match_info["id"])
    pool = request.app[POOL]
    found = await notes.for_comments(pool, site, [comment_id])
    if not found and await decisions.get(pool, site, comment_id) is None:
        raise not_found(comment_id)
    items: list[dict[str, Any]] = [cards.note_view(n) for n in found.get(comment_id, [])]
    return json_response({"items": items, "next_cursor": None})


async def get_rules(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    rules = await site_rules.current(request.app, site)
    return json_response({**rules, "history": await site_rules.history(request.app, site)})


async def put_rules(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.ADMIN)
    body = parse(RulesIn, await read_payload(request), {})
    changes = body.changes()
    if not changes:
        raise FieldErrors(
            [{"field": "body", "message": "name at least one list or max_links"}], "Invalid rules"
        )
    rules = await site_rules.replace(request.app, site, who.name, changes)
    return json_response({**rules, "history": await site_rules.history(request.app, site)})
