"""The admin API: tokens and statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from moderation.domain import Role
from moderation.http.auth import require, require_site, site_for
from moderation.http.requests import is_id, parse, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_moderator import TokenIn
from moderation.keys import POOL
from moderation.ops.access import create_token
from moderation.ops.audits import audit_figures
from moderation.problems import Problem
from moderation.store import check_figures as figure_store
from moderation.store import decisions, tokens


def token_view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "role": row["role"],
        "prefix": row["prefix"],
        "site": row.get("site"),
        "created_at": row["created_at"],
        "revoked_at": row.get("revoked_at"),
        "last_used_at": row.get("last_used_at"),
    }


async def new_token(request: web.Request) -> web.Response:
    """A token; an admin of one site makes tokens of that site only."""
    who = await require(request, Role.ADMIN)
    body = parse(TokenIn, await read_payload(request), {})
    site = who.site if body.site is None else await site_for(request, who, body.site)
    secret, row = await create_token(request.app[POOL], body.name, body.role, site)
    return json_response({**token_view(row), "token": secret}, status=201)


async def list_tokens(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    rows = await tokens.list_all(
        request.app[POOL], include_revoked="all" in request.query, site=who.site
    )
    return json_response({"items": [token_view(r) for r in rows], "next_cursor": None})


async def revoke_token(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    raw = request.match_info["id"]
    n = (
        await tokens.revoke(request.app[POOL], token_id=int(raw), site=who.site)
        if is_id(raw)
        else 0
    )
    if not n:
        raise Problem(404, "Not found", "No active token has that id.")
    return web.Response(status=204)


async def stats(request: web.Request) -> web.Response:
    """Queue depth and today's status changes (UTC day), automatic vs human."""
    _, site = await require_site(request, Role.ADMIN)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    pending, rows = await decisions.stats(request.app[POOL], site, today)
    outcomes = ("approved", "pending", "spam", "removed")
    by: dict[str, dict[str, int]] = {w: dict.fromkeys(outcomes, 0) for w in ("auto", "human")}
    for r in rows:
        outcome = r["rejection"] if r["to_status"] == "rejected" else r["to_status"]
        by["auto" if r["automatic"] else "human"][outcome] += r["n"]
    return json_response(
        {
            "pending": pending,
            "since": today,
            "decided_today": {o: by["auto"][o] + by["human"][o] for o in outcomes},
            "automatic": by["auto"],
            "human": by["human"],
            "audits": await audit_figures(request.app, site),
            "checks": await _check_stats(request, site, today, outcomes),
        }
    )


async def _check_stats(
    request: web.Request, site: str, today: datetime, outcomes: tuple[str, ...]
) -> dict[str, Any]:
    """The same figures for Akismet checks, which are not comments (store/checks.py)."""
    pending, rows = await figure_store.stats(request.app[POOL], site, today)
    by: dict[str, dict[str, int]] = {w: dict.fromkeys(outcomes, 0) for w in ("auto", "human")}
    for r in rows:
        outcome = r["rejection"] if r["to_status"] == "rejected" else r["to_status"]
        by["auto" if r["automatic"] else "human"][outcome] += r["n"]
    return {
        "pending": pending,
        "decided_today": {o: by["auto"][o] + by["human"][o] for o in outcomes},
        "automatic": by["auto"],
        "human": by["human"],
    }
