"""Blocking a sender from the desk: a site rule, and optionally their pending comments.

The rule goes through ops/site_rules (in effect on every instance within a second,
with history); the pending comments are decided one by one through
review/decisions, so each is announced and recorded as any decision is.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aiohttp import web

from moderation.domain import Principal
from moderation.keys import POOL
from moderation.ops import site_rules
from moderation.problems import Problem
from moderation.review.decisions import apply_decision
from moderation.store import search

KINDS = {"email": "blocked_emails", "domain": "blocked_domains", "ip": "blocked_ips"}


@dataclass(frozen=True, slots=True)
class Blocked:
    list_name: str
    value: str
    rejected: int  # pending comments rejected with it


def _normal(kind: str, value: str) -> tuple[str, search.SearchFilter]:
    value = value.strip().lower()
    if kind == "email" and "@" in value:
        return value, search.SearchFilter(email=value)
    if kind == "domain" and value and "@" not in value and "." in value:
        return value, search.SearchFilter(email_domain=value)
    if kind == "ip":
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            pass
        else:
            return str(net), search.SearchFilter(ip=net)
    raise Problem(422, "Invalid sender", f"{value!r} is not a valid {kind} to block.")


async def block_sender(
    app: web.Application,
    who: Principal,
    site: str,
    kind: str,
    value: str,
    reject_pending: bool,
) -> Blocked:
    """Block a sender on a site (its rules), and reject what they have waiting there."""
    if kind not in KINDS:
        raise Problem(422, "Invalid sender", "What to block must be email, domain or ip.")
    normal, matching = _normal(kind, value)
    await site_rules.add(app, site, who.name, KINDS[kind], normal)
    rejected = 0
    if reject_pending:
        for comment_id in await search.pending_ids(app[POOL], site, matching):
            try:
                await apply_decision(
                    app, who, site, comment_id, "reject", f"sender blocked ({kind})", "pending"
                )
            except Problem:
                continue  # decided or claimed meanwhile: leave it to whoever has it
            rejected += 1
    return Blocked(KINDS[kind], normal, rejected)
