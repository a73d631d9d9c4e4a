"""The desk's queue page and its decisions (one comment, or several at once)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from moderation.http.requests import float_param, is_id
from moderation.http.responses import json_response
from moderation.keys import POOL, SETTINGS
from moderation.ops.audits import audit_figures
from moderation.problems import FieldErrors, Problem
from moderation.review import cards
from moderation.review import decisions as review_decisions
from moderation.review import presenters as views
from moderation.review.undo import undo_decision
from moderation.store import desk as desk_store
from moderation.store import sites as site_store
from moderation.store.queue import CLAIM_LEASE, ORDERS, QueueFilter
from moderation.web import sessions
from moderation.web.render import render, see_other

PAGE_SIZE = 20
MAX_IDS = 500
AGES = {"": "any age", "3600": "1 hour", "86400": "1 day", "604800": "1 week"}
FLAGGED = {"": "all", "yes": "flagged by readers", "no": "not flagged"}
DONE = {"approve": "Approved", "spam": "Marked as spam", "reject": "Rejected"}


async def context(
    request: web.Request, session: sessions.DeskSession, nav: str, **more: Any
) -> dict[str, Any]:
    """What every desk page shows: who is signed in, the site, the pending count, messages;
    the sites to switch to, for a token of every site."""
    pool = request.app[POOL]
    return {
        "me": session.who,
        "csrf": session.csrf,
        "flash": session.flash,
        "pending": await desk_store.pending_count(pool, session.site),
        "nav": nav,
        "site": session.site,
        "sites": await site_store.ids(pool) if session.who.site is None else [],
        "here": request.path_qs,
        **more,
    }


def _bad(name: str, message: str) -> Problem:
    return Problem(400, "Invalid filter", f"{name} {message}.")


def _score(query: Any, name: str) -> float | None:
    try:
        return float_param(query, name, 0, 1)
    except FieldErrors:
        raise _bad(name, "must be a number from 0 to 1") from None


def _age(query: Any, name: str) -> timedelta | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 10 * 365 * 86400:
        raise _bad(name, "must be a number of seconds")
    return timedelta(seconds=int(raw))


def queue_filters(query: Any) -> tuple[QueueFilter, str, int]:
    """The queue API's filters and orders, from the page's query string."""
    order = query.get("order", "oldest") or "oldest"
    if order not in ORDERS:
        raise _bad("order", "must be oldest or uncertain")
    raw_limit = query.get("limit", "")
    limit = int(raw_limit) if raw_limit.isdigit() else PAGE_SIZE
    filters = QueueFilter(
        article=query.get("article", "").strip() or None,
        min_score=_score(query, "min_score"),
        max_score=_score(query, "max_score"),
        older_than=_age(query, "older_than"),
        newer_than=_age(query, "newer_than"),
        flagged=_flagged(query),
    )
    return filters, order, max(1, min(limit, 100))


def _flagged(query: Any) -> bool | None:
    """Readers' flags: "yes" only flagged comments, "no" only the others, else all."""
    raw = query.get("flagged", "")
    if raw not in FLAGGED:
        raise _bad("flagged", "must be yes or no")
    return {"": None, "yes": True, "no": False}[raw]


async def audits_summary(request: web.Request, site: str) -> str | None:
    """The audits' line for the queue page (web/desk_find.audit_line), or None."""
    return cards.audit_line(await audit_figures(request.app, site))


async def queue_page(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    filters, order, limit = queue_filters(request.query)
    pool = request.app[POOL]
    me, site = session.who.name, session.site
    # Claiming what the page shows is what keeps two moderators on different comments.
    rows = await desk_store.claim(pool, site, me, filters, order, limit, CLAIM_LEASE)
    await desk_store.release_others(pool, site, me, [r["id"] for r in rows])
    total, held = await desk_store.counts(pool, site, me, filters)
    shown = [views.comment(r) for r in rows]
    await cards.enrich(pool, site, shown)
    ctx = await context(
        request,
        session,
        "queue",
        comments=shown,
        audits=await audits_summary(request, site),
        reasons=request.app[SETTINGS].rejection_reasons,
        total=total,
        held=held,
        query={
            k: request.query.get(k, "") for k in ("article", "min_score", "max_score", "flagged")
        },
        flagged_options=FLAGGED,
        order=order,
        older_than=request.query.get("older_than", ""),
        newer_than=request.query.get("newer_than", ""),
        ages=AGES,
        back=request.path_qs,
        lease_minutes=int(CLAIM_LEASE.total_seconds() // 60),
    )
    return render(request, "queue.html", ctx)


def _ids(form: Any) -> list[int]:
    raw = form.getall("id", [])
    if len(raw) > MAX_IDS or not all(isinstance(v, str) and v.isdigit() for v in raw):
        raise Problem(400, "Malformed form", "The comment ids are not valid.")
    return [int(v) for v in dict.fromkeys(raw) if is_id(v)]


def _failure(comment_id: int, exc: Problem) -> str:
    # A stale decision's detail already says what happened and who did it.
    message = (exc.detail or exc.title).rstrip(".")
    return f"Comment {comment_id}: {message}."


async def _decide_all(
    request: web.Request,
    who: Any,
    site: str,
    ids: list[int],
    action: str,
    expected: str | None,
    note: str | None = None,
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for comment_id in ids:
        try:
            row = await review_decisions.apply_decision(
                request.app, who, site, comment_id, action, note, expected
            )
        except Problem as exc:
            results.append({"id": comment_id, "ok": False, "message": _failure(comment_id, exc)})
        else:
            state = views.outcome(row["status"], row["rejection"])
            results.append(
                {"id": comment_id, "ok": True, "outcome": state, "decision_id": row["decision_id"]}
            )
    return results


def _summary(action: str, results: list[dict[str, Any]]) -> list[dict[str, str]]:
    done = [r["id"] for r in results if r["ok"]]
    # Without JavaScript the message itself carries the Undo button (desk_base.html).
    undo = " ".join(f"{r['id']}:{r['decision_id']}" for r in results if r["ok"])
    messages = []
    if len(done) == 1:
        messages.append({"kind": "ok", "text": f"{DONE[action]}: comment {done[0]}.", "undo": undo})
    elif done:
        messages.append(
            {"kind": "ok", "text": f"{DONE[action]}: {len(done)} comments.", "undo": undo}
        )
    messages += [{"kind": "error", "text": r["message"]} for r in results if not r["ok"]]
    return messages


async def desk_decide(request: web.Request) -> web.StreamResponse:
    """Decisions from the queue, the decisions page or a comment page; JSON for the script."""
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    action = form.get("action")
    if not isinstance(action, str) or action not in review_decisions.ACTIONS:
        raise Problem(400, "Malformed form", "The action must be approve, spam or reject.")
    ids = _ids(form)
    sent = form.get("expected_status")
    expected = sent if isinstance(sent, str) and sent in views.STATUSES else None
    raw_note = form.get("note")
    note = raw_note.strip()[:2000] if isinstance(raw_note, str) and raw_note.strip() else None
    results = await _decide_all(request, session.who, session.site, ids, action, expected, note)
    if "application/json" in request.headers.get("Accept", ""):
        pending = await desk_store.pending_count(request.app[POOL], session.site)
        return json_response({"items": results, "pending": pending})
    messages = _summary(action, results)
    if not ids:
        messages = [{"kind": "error", "text": "Select at least one comment first."}]
    await sessions.flash(request, session, *messages)
    return see_other(sessions.safe_next(str(form.get("back") or "")))


def _undo_pairs(form: Any) -> list[tuple[int, int]]:
    """`undo` values "comment:decision", from the toast or a flash message's form."""
    raw = " ".join(v for v in form.getall("undo", []) if isinstance(v, str)).split()
    pairs = [tuple(v.split(":", 1)) for v in raw]
    if not raw or len(raw) > MAX_IDS or not all(len(p) == 2 and all(map(is_id, p)) for p in pairs):
        raise Problem(400, "Malformed form", "Say which decisions to undo.")
    return [(int(p[0]), int(p[1])) for p in pairs]


async def desk_undo(request: web.Request) -> web.StreamResponse:
    """Undo decisions just made (the toast's Undo); JSON for the script."""
    session = await sessions.required(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    results: list[dict[str, Any]] = []
    for comment_id, decision_id in _undo_pairs(form):
        try:
            row = await undo_decision(
                request.app, session.who, session.site, comment_id, decision_id
            )
        except Problem as exc:
            results.append({"id": comment_id, "ok": False, "message": _failure(comment_id, exc)})
        else:
            state = views.outcome(row["status"], row["rejection"])
            results.append({"id": comment_id, "ok": True, "outcome": state})
    if "application/json" in request.headers.get("Accept", ""):
        pending = await desk_store.pending_count(request.app[POOL], session.site)
        return json_response({"items": results, "pending": pending})
    done = [r for r in results if r["ok"]]
    messages = [
        {"kind": "ok", "text": f"Undone: comment {r['id']} is {r['outcome']} again."} for r in done
    ]
    messages += [{"kind": "error", "text": r["message"]} for r in results if not r["ok"]]
    await sessions.flash(request, session, *messages)
    return see_other(sessions.safe_next(str(form.get("back") or "")))
