"""Re-scoring the queue after a model change: decide what the new model is sure of.

Runs on the instance that activated the model, in the background, in batches;
comments a moderator has claimed are left to the moderator, and so are those
readers sent there (flags, appeals) and every comment of a premoderated article. Held Akismet checks
are re-scored the same way, and a check decided now is sent to its site.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace

from aiohttp import web

from moderation.domain import AUTO, ArticleState, Facts
from moderation.intake import articles
from moderation.intake.submission import decide_comment
from moderation.keys import MODEL, POOL, RULES
from moderation.ops import sites
from moderation.ops.events import check_decided, decided_automatically
from moderation.store import checks as check_store
from moderation.store import comments as comment_store

log = logging.getLogger(__name__)

BATCH = 200


async def rescore_pending(app: web.Application, site: str) -> dict[str, int]:
    """Counts of a site's pending comments that became approved, rejected, or stayed
    pending, after the site's model changed.

    Each change is announced (ops/events) like any other automatic decision.
    """
    pool, live, rules = app[POOL], app[MODEL], app[RULES].for_site(site)
    settings = await sites.settings_for(app, site)
    counts: Counter[str] = Counter()
    states: dict[str, ArticleState] = {}
    after = 0
    version = live.for_site(site).version
    while True:
        batch = await comment_store.pending_batch(pool, site, after, BATCH)
        if not batch:
            break
        after = batch[-1][0]
        for comment_id, comment in batch:
            _, facts = await comment_store.gather_facts(
                pool, comment, confirmed_only=settings.mail_on
            )
            decision = await asyncio.to_thread(
                decide_comment, comment, facts, live, rules, settings.trust_known_authors
            )
            # A premoderated article's comments wait for a person, whatever the model says.
            if comment.article not in states:
                states[comment.article] = (
                    await articles.admission(pool, site, comment.article)
                ).state
            if states[comment.article] is ArticleState.PREMODERATED:
                decision = articles.admit(ArticleState.PREMODERATED, decision)
            status = await comment_store.redecide(
                pool, site, comment_id, decision, f"re-scored with model {version}"
            )
            counts[status or "skipped"] += 1
            if status is not None and status != "pending":
                # Its author hears of a publication, as of a moderator's (ops/events).
                decided_automatically(
                    app, site, comment_id, comment.article, decision, was_held=True
                )
    log.info("re-scored the queue of %s with %s: %s", site, version, dict(counts))
    checks = await rescore_checks(app, site)
    if checks:
        log.info("re-scored held Akismet checks with %s: %s", version, checks)
    return dict(counts)


async def rescore_checks(app: web.Application, only: str) -> dict[str, int]:
    """A site's held Akismet checks, as pending comments; a check decided now is sent to
    its site (`check.decided`), so WordPress publishes or spams the comment it held."""
    pool, live, rules = app[POOL], app[MODEL], app[RULES].for_site(only)
    settings = await sites.settings_for(app, only)  # the site's own, if it changed any
    counts: Counter[str] = Counter()
    after = 0
    while True:
        batch = await check_store.pending_batch(pool, only, after, BATCH)
        if not batch:
            break
        after = batch[-1][0]
        for check_id, site, comment in batch:
            comment = replace(comment, site=site)  # scored by the site's own model
            trust = settings.trust_known_authors and bool(comment.email.strip())
            known = trust and await check_store.author_has_approved(pool, site, comment.email)
            decision = await asyncio.to_thread(
                decide_comment, comment, Facts(author_has_approved=known), live, rules, trust
            )
            row = await check_store.redecide(
                pool, check_id, decision, f"re-scored with model {live.for_site(only).version}"
            )
            counts[row["status"] if row else "skipped"] += 1
            if row is not None and row["status"] != "pending":
                check_decided(app, row, AUTO, tell_site=True)
    return dict(counts)
