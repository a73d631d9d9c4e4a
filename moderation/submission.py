"""Submitting a comment: gather facts, score, apply rules, decide, store.

Free of HTTP, so the JSON API, the HTML form and the Akismet API share it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from moderation import policy, rules
from moderation.classifier.features import CommentText
from moderation.classifier.live import LiveModel
from moderation.domain import Comment, Decision, Facts
from moderation.errors import FieldErrors
from moderation.settings import Settings
from moderation.store import comments as store

# Below this many characters scoring takes well under a millisecond: do it inline.
OFFLOAD_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Submitted:
    stored: store.Stored
    decision: Decision


def site_rules(settings: Settings) -> rules.SiteRules:
    return rules.SiteRules(
        max_links=settings.max_links,
        moderation_words=tuple(settings.moderation_words),
        disallowed_words=tuple(settings.disallowed_words),
        blocked_emails=tuple(settings.blocked_emails),
        blocked_domains=tuple(settings.blocked_domains),
        blocked_ips=tuple(settings.blocked_ips),
    )


def decide(
    comment: Comment,
    facts_: Facts,
    live: LiveModel,
    site: rules.SiteRules,
    trust_known_authors: bool,
) -> Decision:
    model, score = live.score(
        CommentText(
            body=comment.body, name=comment.name, email=comment.email, url=comment.url or ""
        )
    )
    hits = rules.check(comment, site)
    return policy.decide(
        score,
        model.thresholds,
        hits,
        facts_,
        model_version=model.version,
        trust_known_authors=trust_known_authors,
    )


async def assess(
    conn: asyncpg.Connection | asyncpg.Pool,
    comment: Comment,
    live: LiveModel,
    site: rules.SiteRules,
    settings: Settings,
) -> Decision:
    """The decision for a comment, with the facts the database knows; stores nothing."""
    parent_status, facts_ = await store.gather_facts(conn, comment)
    if comment.parent_id is not None and parent_status in (None, "rejected"):
        raise FieldErrors([{"field": "parent_id", "message": "no such comment on this article"}])
    if not comment.email.strip():
        facts_ = Facts()  # an anonymous comment (Akismet allows them) has no history to trust
    if len(comment.body) > OFFLOAD_CHARS:
        # Scoring grows with the text: a 64 KB body costs tens of milliseconds,
        # which must not hold up every other request on the event loop.
        return await asyncio.to_thread(
            decide, comment, facts_, live, site, settings.trust_known_authors
        )
    return decide(comment, facts_, live, site, settings.trust_known_authors)


async def submit(
    conn: asyncpg.Connection | asyncpg.Pool,
    comment: Comment,
    live: LiveModel,
    site: rules.SiteRules,
    settings: Settings,
) -> Submitted:
    decision = await assess(conn, comment, live, site, settings)
    stored = await store.insert(conn, comment, decision)
    return Submitted(stored, decision)
