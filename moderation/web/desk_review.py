"""The desk's recent decisions (each reversible) and a comment's own page."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from moderation.http.requests import path_id
from moderation.keys import POOL, SETTINGS
from moderation.problems import Problem
from moderation.review import cards, text
from moderation.review import presenters as views
from moderation.store import decisions, threads
from moderation.store import desk as desk_store
from moderation.web import sessions
from moderation.web.desk_queue import context
from moderation.web.render import render

PAGE_SIZE = 50


async def recent_page(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    q = request.query
    outcome = q.get("outcome", "")
    filters = desk_store.RecentFilter(
        by=q.get("by", "").strip() or None,
        outcome=outcome if outcome in desk_store.OUTCOMES else None,
        article=q.get("article", "").strip() or None,
    )
    before_raw = q.get("before", "")
    before = path_id(before_raw, "page") if before_raw else None
    rows = await desk_store.recent(request.app[POOL], session.site, filters, before, PAGE_SIZE)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    now = datetime.now(UTC)
    items = []
    for r in rows:
        items.append(
            {
                "history_id": r["history_id"],
                "at": r["at"],
                "ago": text.ago((now - r["at"]).total_seconds()),
                "by": r["actor"],
                "automatic": r["actor"] == "auto",
                "from": r["from_status"],
                "to": views.outcome(r["to_status"], r["to_rejection"]),
                "then_score": r["then_score"],
                "note": r["note"],
                "comment": views.comment(r, now),
            }
        )
    next_query = None
    if more:
        keep = {k: v for k, v in q.items() if k != "before" and v}
        next_query = {**keep, "before": str(rows[-1]["history_id"])}
    ctx = await context(
        request,
        session,
        "decisions",
        items=items,
        query={k: q.get(k, "") for k in ("by", "outcome", "article")},
        outcomes=desk_store.OUTCOMES,
        next_query=next_query,
        back=request.path_qs,
    )
    return render(request, "decisions.html", ctx)


async def comment_page(request: web.Request) -> web.StreamResponse:
    session = await sessions.required(request)
    comment_id = path_id(request.match_info["id"])
    pool, site = request.app[POOL], session.site
    row = await decisions.get(pool, site, comment_id)
    if row is None:
        raise Problem(404, "Not found", f"There is no comment {comment_id}.")
    history = await decisions.history(pool, site, comment_id)
    label = await decisions.label_of(pool, site, comment_id)
    c = views.comment(row)
    await cards.enrich(pool, site, [c])
    # Notes read as part of the history, in time order.
    entries = [views.history_entry(h) for h in history] + [
        {"at": n["at"], "by": n["by"], "automatic": False, "note_only": n["note"]}
        for n in c["notes"]
    ]
    entries.sort(key=lambda e: e["at"])
    conversation = await threads.thread(pool, site, comment_id)
    ctx = await context(
        request,
        session,
        "comment",
        c=c,
        thread=[
            {**dict(t), "excerpt": cards.excerpt(t["body"], 240)}
            for t in conversation
            if len(conversation) > 1
        ],
        reasons=request.app[SETTINGS].rejection_reasons,
        history=entries,
        label=dict(label) if label else None,
        back=request.path_qs,
    )
    return render(request, "comment.html", ctx)
