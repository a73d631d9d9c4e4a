"""Submitting a comment: gather facts, score, apply rules, decide, store.

Free of HTTP, so the JSON API, the HTML form and the Akismet API share it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from moderation import policy, rules
from moderation.classifier.features import CommentText
from moderation.classifier.live import LiveModel
from moderation.classifier.persist import TrainedModel
from moderation.classifier.scoring import Score
from moderation.classifier.thresholds import Thresholds
from moderation.domain import ArticleState, Comment, Decision, Facts, Status
from moderation.intake import articles, idempotency, verdicts
from moderation.intake.lookups import READER, Known
from moderation.intake.writer import WRITER
from moderation.keys import MODEL, POOL, RULES
from moderation.ops import sites
from moderation.ops.events import decided_automatically
from moderation.problems import FieldErrors
from moderation.settings import Settings, SpamAnswer
from moderation.store import articles as article_store
from moderation.store import comments as comment_store

# Below this many characters scoring takes well under a millisecond: do it inline.
OFFLOAD_CHARS = 2000
# Outcomes that a known author would turn into an approval (see policy.decide).
TRUST_OUTCOMES = ("uncertain", "unfamiliar")


@dataclass(frozen=True, slots=True)
class Submitted:
    stored: comment_store.Stored
    decision: Decision


def shown_status(status: Status, settings: Settings) -> Status:
    """What the author is told: a spam rejection looks held when the settings say so."""
    if status is Status.REJECTED and settings.spam_answer is SpamAnswer.PENDING:
        return Status.PENDING  # a spammer must not learn what the filter caught
    return status


Scored = tuple[TrainedModel, Score, list[rules.Hit], Thresholds]


def score(comment: Comment, live: LiveModel, site: rules.SiteRules) -> Scored:
    """The model's score and the rules that fired: the CPU part of a decision."""
    model, result = live.score(
        CommentText(
            body=comment.body, name=comment.name, email=comment.email, url=comment.url or ""
        ),
        site=comment.site,
    )
    return model, result, rules.check(comment, site), live.thresholds(model)


def decide_scored(scored: Scored, facts_: Facts, trust_known_authors: bool) -> Decision:
    """The decision (policy.decide) on a comment already scored, with the facts known."""
    model, result, hits, thresholds = scored
    return policy.decide(
        result,
        thresholds,
        hits,
        facts_,
        model_version=model.version,
        trust_known_authors=trust_known_authors,
    )


def decide_comment(
    comment: Comment,
    facts_: Facts,
    live: LiveModel,
    site: rules.SiteRules,
    trust_known_authors: bool,
) -> Decision:
    return decide_scored(score(comment, live, site), facts_, trust_known_authors)


async def assess(
    conn: asyncpg.Connection | asyncpg.Pool,
    comment: Comment,
    live: LiveModel,
    site: rules.SiteRules,
    settings: Settings,
    known: Known | None = None,
) -> Decision:
    """The decision for a comment, with the facts the database knows; stores nothing.

    The database is asked only when the answer matters: a reply needs its
    parent checked, and only an uncertain comment cares whether its author
    already has approved comments. Most comments cost no query before the insert.
    `known`, when given, is all of it, looked up already (intake/lookups.py).
    """
    facts_: Facts | None = known.facts if known is not None else None
    if comment.parent_id is not None:
        if known is not None:
            parent_status = known.parent_status
        else:
            parent_status, facts_ = await comment_store.gather_facts(
                conn, comment, confirmed_only=settings.mail_on
            )
        if parent_status in (None, "rejected"):
            raise FieldErrors(
                [{"field": "parent_id", "message": "no such comment on this article"}]
            )
    if len(comment.body) > OFFLOAD_CHARS:
        # Scoring grows with the text: a 64 KB body costs tens of milliseconds,
        # which must not hold up every other request on the event loop.
        scored = await asyncio.to_thread(score, comment, live, site)
    else:
        scored = score(comment, live, site)
    trust = settings.trust_known_authors and bool(comment.email.strip())
    decision = decide_scored(scored, facts_ or Facts(), trust)
    if facts_ is None and trust and decision.details.get("outcome") in TRUST_OUTCOMES:
        _, facts_ = await comment_store.gather_facts(conn, comment, confirmed_only=settings.mail_on)
        decision = decide_scored(scored, facts_, trust)
    if decision.status is not Status.PENDING and random.random() < settings.audit_share:
        decision.details["audit"] = True  # a moderator will look at it too (store/audits)
    return decision


Respond = Callable[[Submitted], idempotency.Answer]


async def accept(
    app: web.Application,
    comment: Comment,
    *,
    checks: verdicts.Checks,
    retry: idempotency.IdempotencyKey | None = None,
    respond: Respond | None = None,
) -> tuple[Submitted | None, idempotency.Answer | None]:
    """A public submission from start to commit: guards, decision, storage.

    Returns what was stored (None when a retry is answered with its first answer) and
    the answer `respond` made of it, stored with an idempotency key. The comment goes
    through the group-commit writer, which checks it, marks its sender and stores it in
    one transaction with the others waiting; one with an idempotency key takes a
    transaction of its own, with the key. The decision is made before the checks,
    so no batch holds its locks while comments are scored (a refused comment has cost
    its scoring). A stored comment's decision is announced (ops/events) once committed.
    """
    done, answer = await _accept(app, comment, checks=checks, retry=retry, respond=respond)
    if done is not None:
        decided_automatically(app, comment.site, done.stored.id, comment.article, done.decision)
        if comment.article_title or comment.article_url:
            # What the article lacks (a title, an address) is filled in; the rest stays.
            row = (comment.article, comment.article_title, comment.article_url, None)
            await article_store.upsert_many(app[POOL], comment.site, [row])
    return done, answer


async def _accept(
    app: web.Application,
    comment: Comment,
    *,
    checks: verdicts.Checks,
    retry: idempotency.IdempotencyKey | None,
    respond: Respond | None,
) -> tuple[Submitted | None, idempotency.Answer | None]:
    pool, live = app[POOL], app[MODEL]
    settings = await sites.settings_for(app, comment.site)
    site = app[RULES].for_site(comment.site)
    # A closed article refuses before anything is scored; a premoderated one holds.
    if retry is None:
        trust = settings.trust_known_authors and bool(comment.email.strip())
        known = await app[READER].look_up(comment, author=trust)
        state = known.admission.state
        if state is ArticleState.CLOSED:
            raise articles.closed()
        decision = articles.admit(
            state, await assess(pool, comment, live, site, settings, known=known)
        )
        stored = await app[WRITER].insert(comment, decision, verdicts.Sender.of(checks, comment))
        done = Submitted(stored, decision)
        return done, respond(done) if respond else None
    state = (await articles.admission(pool, comment.site, comment.article)).state
    if state is ArticleState.CLOSED:
        raise articles.closed()
    async with pool.acquire() as conn, conn.transaction():
        if first := await idempotency.replay(conn, retry, settings.idempotency_ttl_seconds):
            return None, first
        await verdicts.check(conn, checks, comment)
        decision = articles.admit(state, await assess(conn, comment, live, site, settings))
        done = Submitted(await comment_store.insert(conn, comment, decision), decision)
        answer = respond(done) if respond else None
        if retry is not None and answer is not None:
            await idempotency.remember(conn, retry, answer)
    return done, answer
