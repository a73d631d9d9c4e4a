"""The desk's Search and Audits pages, notes and "Block sender" (all through the same
store and service calls as the API)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from moderation.http import cursors
from moderation.http.requests import is_id
from moderation.http.schemas_desk import SEARCH_PARAMS, search_cursor, search_filter
from moderation.keys import POOL
from moderation.ops.audits import audit_figures
from moderation.problems import Problem
from moderation.review import blocking, cards
from moderation.review import presenters as views
from moderation.store import audits as audit_store
from moderation.store import notes, search
from moderation.web import sessions
from moderation.web.desk_queue import context
from moderation.web.render import render, see_other

PAGE_SIZE = 30


async def search_page(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    q = request.query
    asked = any(q.get(k, "").strip() for k in SEARCH_PARAMS)
    filters = search_filter(q)
    before = search_cursor(q.get("cursor"))
    site = session.site
    rows = await search.page(request.app[POOL], site, filters, before, PAGE_SIZE) if asked else []
    more = len(rows) > PAGE_SIZE
    now = datetime.now(UTC)
    found = [views.comment(r, now) for r in rows[:PAGE_SIZE]]
    await cards.enrich(request.app[POOL], site, found)
    next_query = None
    if more:
        keep = {k: v for k, v in q.items() if k != "cursor" and v}
        next_query = {**keep, "cursor": cursors.encode(found[-1]["id"])}
    ctx = await context(
        request,
        session,
        "search",
        asked=asked,
        comments=found,
        query={k: q.get(k, "") for k in SEARCH_PARAMS},
        statuses=("approved", "pending", "spam", "removed"),
        next_query=next_query,
        back=request.path_qs,
    )
    return render(request, "search.html", ctx)


async def audits_page(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    rows = await audit_store.open_page(request.app[POOL], session.site, None, PAGE_SIZE)
    now = datetime.now(UTC)
    found = []
    for r in rows[:PAGE_SIZE]:
        view = views.comment(r, now)
        view["auto_status"] = r["auto_status"]
        found.append(view)
    await cards.enrich(request.app[POOL], session.site, found)
    figures = await audit_figures(request.app, session.site)
    ctx = await context(
        request,
        session,
        "audits",
        comments=found,
        figures=figures,
        audit_line=cards.audit_line(figures),
        back=request.path_qs,
    )
    return render(request, "audits.html", ctx)


async def note_form(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    raw_id, note = str(form.get("id", "")), str(form.get("note", "")).strip()
    if not is_id(raw_id):
        raise Problem(400, "Malformed form", "The comment id is not valid.")
    if not note or len(note) > 2000 or "\x00" in note:
        await sessions.flash(request, session, {"kind": "error", "text": "A note needs text."})
    elif (
        await notes.add(request.app[POOL], session.site, int(raw_id), session.who.name, note)
        is None
    ):
        raise Problem(404, "Not found", f"There is no comment {raw_id}.")
    else:
        await sessions.flash(request, session, {"kind": "ok", "text": "Note added."})
    return see_other(sessions.safe_next(str(form.get("back") or "")))


async def block_form(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    kind = str(form.get("kind", ""))
    value = str(form.get(f"value_{kind}", "") or form.get("value", ""))
    try:
        done = await blocking.block_sender(
            request.app,
            session.who,
            session.site,
            kind,
            value,
            form.get("reject_pending") == "on",
        )
    except Problem as exc:
        await sessions.flash(request, session, {"kind": "error", "text": exc.detail or exc.title})
    else:
        text = f"Blocked {done.value} ({done.list_name.replace('_', ' ')}) on every instance"
        if done.rejected:
            text += f"; {done.rejected} pending comment{'s' if done.rejected != 1 else ''} rejected"
        await sessions.flash(request, session, {"kind": "ok", "text": text + "."})
    return see_other(sessions.safe_next(str(form.get("back") or "")))
