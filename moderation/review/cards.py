"""What a desk card shows beyond the comment: where, who and what others said.

One query per kind for a whole page (articles, parents, commenters, notes), so a
moderator sees the article's title, the comment a reply answers, the sender's
record and the notes without opening another page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from moderation.review import text
from moderation.store import articles, commenters, notes, threads

EXCERPT = 160
TRUSTED_AFTER = 3  # approved comments, none spam: "trusted"


def excerpt(body: str, limit: int = EXCERPT) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def commenter(email: str, row: Any | None) -> dict[str, Any]:
    """Counts by state, first and last seen, and badges (`new`, `trusted`, `spammer`)."""
    counts = {k: int(row[k]) if row else 0 for k in ("approved", "pending", "spam", "removed")}
    first: datetime | None = row["first_seen"] if row else None
    last: datetime | None = row["last_seen"] if row else None
    badges = []
    if counts["approved"] == 0 and counts["spam"] + counts["removed"] == 0:
        badges.append("new")
    if counts["approved"] >= TRUSTED_AFTER and counts["spam"] == 0:
        badges.append("trusted")
    if counts["spam"]:
        badges.append("spammer")
    return {
        "email": email,
        **counts,
        "rejected": counts["spam"] + counts["removed"],
        "total": sum(counts.values()),
        "first_seen": first,
        "last_seen": last,
        "badges": badges,
    }


def note_view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "comment_id": row["comment_id"],
        "by": row["author"],
        "note": row["note"],
        "at": row["created_at"],
    }


def summary_line(who: dict[str, Any]) -> str:
    """ "3 approved, 0 rejected · since March 2026" """
    line = f"{who['approved']} approved, {who['rejected']} rejected"
    if who["spam"]:
        line += f" ({who['spam']} spam)"
    if who["first_seen"] is not None:
        line += f" · since {who['first_seen'].strftime('%B %Y')}"
    return line


async def enrich(
    conn: asyncpg.Connection | asyncpg.Pool, site: str, views: Sequence[dict[str, Any]]
) -> None:
    """Add `article_title`, `article_href`, `parent`, `commenter` and `notes` to each view
    (all of them the site's own)."""
    if not views:
        return
    titles = await articles.titles(conn, site, [v["article"] for v in views])
    parents = await threads.by_ids(conn, site, [v["parent_id"] for v in views if v["parent_id"]])
    people = await commenters.summaries(conn, site, [v["email"] for v in views])
    said = await notes.for_comments(conn, site, [v["id"] for v in views])
    for v in views:
        art = titles.get(v["article"])
        v["article_title"] = art["title"] if art else None
        v["article_href"] = text.safe_href(art["url"]) if art else None
        parent = parents.get(v["parent_id"]) if v["parent_id"] else None
        v["parent"] = (
            {
                "id": parent["id"],
                "name": parent["author_name"],
                "excerpt": excerpt(parent["body"]),
                "status": parent["status"],
            }
            if parent
            else None
        )
        who = commenter(v["email"], people.get(v["email"].lower()))
        who["line"] = summary_line(who)
        v["commenter"] = who
        v["notes"] = [note_view(n) for n in said.get(v["id"], [])]


def audit_line(figures: dict[str, Any]) -> str | None:
    """ "automatic approvals: 0.4 % wrong (≤ 1.1 %, 95 %), 231 audited" """
    parts = []
    for kind, said in (("approved", "approvals"), ("rejected", "rejections")):
        f = figures[kind]
        if not f["resolved"]:
            continue
        parts.append(
            f"automatic {said}: {f['error_rate'] * 100:.1f} % wrong "
            f"(≤ {f['upper_bound_95'] * 100:.1f} %, 95 %), {f['resolved']} audited"
        )
    return "; ".join(parts) or None
