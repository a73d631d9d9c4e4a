"""Re-scoring the queue after a model change: decide what the new model is sure of.

Runs on the instance that activated the model, in the background, in batches;
comments a moderator has claimed are left to the moderator.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from aiohttp import web

from moderation.intake.submission import decide_comment
from moderation.keys import MODEL, POOL, RULES, SETTINGS
from moderation.ops.events import decided_automatically
from moderation.store import comments as comment_store

log = logging.getLogger(__name__)

BATCH = 200


async def rescore_pending(app: web.Application) -> dict[str, int]:
    """Counts of pending comments that became approved, rejected, or stayed pending.

    Each change is announced (ops/events) like any other automatic decision.
    """
    pool, live, rules, settings = app[POOL], app[MODEL], app[RULES].rules, app[SETTINGS]
    counts: Counter[str] = Counter()
    after = 0
    version = live.version
    while True:
        batch = await comment_store.pending_batch(pool, after, BATCH)
        if not batch:
            break
        after = batch[-1][0]
        for comment_id, comment in batch:
            _, facts = await comment_store.gather_facts(pool, comment)
            decision = await asyncio.to_thread(
                decide_comment, comment, facts, live, rules, settings.trust_known_authors
            )
            status = await comment_store.redecide(
                pool, comment_id, decision, f"re-scored with model {version}"
            )
            counts[status or "skipped"] += 1
            if status is not None and status != "pending":
                decided_automatically(app, comment_id, comment.article, decision)
    log.info("re-scored the queue with %s: %s", version, dict(counts))
    return dict(counts)
