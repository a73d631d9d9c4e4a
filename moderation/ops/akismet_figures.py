"""What Akismet's account endpoints report, from the checks this service stored.

usage-limit (this month's checks; there is no limit here), key-sites (a month's
checks per site, JSON or CSV as Akismet gives them), get-stats (checks by
outcome, as the WordPress plugin's stats screen reads them) and get-subscription
(an active, unlimited self-hosted account). Pure shaping over store/checks.py.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeAlias

import asyncpg

from moderation.store import check_figures as figure_store

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool
MONTH = re.compile(r"(\d{4})-(\d{2})")
ORDERS = ("api_calls", "spam", "ham", "missed_spam", "false_positives")
# A rough figure, as Akismet's own: the minutes a person would spend on each spam.
SECONDS_PER_SPAM = 15


def month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def month_bounds(month: str | None, now: datetime) -> tuple[str, datetime, datetime] | None:
    """`YYYY-MM` (default: this month) as its name, first instant and the next month's."""
    if month:
        m = MONTH.fullmatch(month.strip())
        if m is None or not 1 <= int(m.group(2)) <= 12:
            return None
        start = datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=UTC)
    else:
        start = month_start(now)
    end = (start + timedelta(days=32)).replace(day=1)
    return f"{start:%Y-%m}", start, end


async def usage_limit(conn: Conn, site: str, now: datetime) -> dict[str, Any]:
    used = await figure_store.usage(conn, site, month_start(now))
    return {"limit": "none", "usage": used, "percentage": "0.00", "throttled": False}


async def key_sites(
    conn: Conn,
    site: str,
    month: tuple[str, datetime, datetime],
    order: str | None,
    limit: int,
    offset: int,
    url_filter: str = "",
) -> dict[str, Any]:
    """A month's figures per blog; `url_filter` (Akismet's `filter`, a full or partial
    site URL) keeps the blogs that contain it, ignoring case."""
    name, start, end = month
    wanted = url_filter.strip().lower()
    rows = [
        {
            "site": r["blog"],
            "api_calls": str(r["api_calls"]),
            "spam": str(r["spam"]),
            "ham": str(r["ham"]),
            "missed_spam": str(r["missed_spam"]),
            "false_positives": str(r["missed_ham"]),
            "is_revoked": False,
        }
        for r in await figure_store.site_figures(conn, site, start, end)
        if wanted in str(r["blog"]).lower()
    ]
    if order in ORDERS:
        rows.sort(key=lambda r: -int(r[order]))
    return {
        name: rows[offset : offset + limit],
        "limit": limit,
        "offset": offset,
        "total": len(rows),
    }


def key_sites_csv(doc: dict[str, Any], month: str, name: str) -> str:
    """Akismet's CSV, whose first line names the key (here its name: never the secret)."""
    lines = [
        f"Active sites for {name} during {month} "
        f"(limit:{doc['limit']}, offset: {doc['offset']}, total: {doc['total']})",
        "Site,Total API Calls,Spam,Ham,Missed Spam,False Positives,Is Revoked",
    ]
    for r in doc[month]:
        site = str(r["site"]).replace(",", " ")
        lines.append(
            f"{site},{r['api_calls']},{r['spam']},{r['ham']},{r['missed_spam']},"
            f"{r['false_positives']},{'true' if r['is_revoked'] else 'false'}"
        )
    return "\n".join(lines) + "\n"


def _since(interval: str, now: datetime) -> datetime:
    days = {"6-months": 183, "60-days": 60, "90-days": 90, "30-days": 30}.get(interval)
    return now - timedelta(days=days) if days else datetime(2000, 1, 1, tzinfo=UTC)


async def stats(conn: Conn, site: str, interval: str, now: datetime) -> dict[str, Any]:
    """Totals and a per-month breakdown of a site's checks since `interval` ago."""
    rows = await figure_store.daily(conn, site, _since(interval, now))
    months: dict[str, dict[str, int]] = {}
    total = {"spam": 0, "ham": 0, "missed_spam": 0, "false_positives": 0}
    for r in rows:
        day: date = r["day"]
        bucket = months.setdefault(
            f"{day:%Y-%m}", {"spam": 0, "ham": 0, "missed_spam": 0, "false_positives": 0}
        )
        for k in total:
            bucket[k] += int(r[k])
            total[k] += int(r[k])
    checked = total["spam"] + total["ham"]
    wrong = total["missed_spam"] + total["false_positives"]
    accuracy = round(100 * (checked - wrong) / checked, 3) if checked else 100
    return {
        **total,
        "accuracy": accuracy,
        "time_saved": total["spam"] * SECONDS_PER_SPAM,
        "breakdown": months,
        "interval": interval,
    }


def subscription(name: str) -> dict[str, Any]:
    return {
        "account_name": name,
        "account_type": "self-hosted",
        "status": "active",
        "limit_reached": False,
        "next_billing_date": None,
    }
