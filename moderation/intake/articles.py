"""Per-article settings: whether an article takes comments now (issue 16).

An article is open unless its row says otherwise: `premoderated` holds every
comment for a moderator, `closed` refuses them, and `close_after_days` closes
it that many days after it was published. An article without a row is open.
Submissions through the JSON API and the embed form are checked here
(intake/submission.accept); the embed page shows the same state.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from moderation.domain import ArticleState, Decision, Status
from moderation.problems import Problem
from moderation.store import articles as article_store

PREMODERATED_REASON = "the article is premoderated: every comment waits for a moderator"


@dataclass(frozen=True, slots=True)
class Admission:
    """What an article does with a new comment now."""

    state: ArticleState
    closes_at: datetime | None = None


OPEN = Admission(ArticleState.OPEN)


def admission_of(row: Any) -> Admission:
    """The effective state of an article row: its own, or closed once past its age limit."""
    if row is None:
        return OPEN
    state = ArticleState(row["state"])
    closes_at = row["closes_at"]
    if state is not ArticleState.CLOSED and closes_at is not None and closes_at <= row["now"]:
        state = ArticleState.CLOSED
    return Admission(state, closes_at)


async def admission(conn: asyncpg.Connection | asyncpg.Pool, site: str, article: str) -> Admission:
    return admission_of(await article_store.with_settings(conn, site, article))


def closed() -> Problem:
    return Problem(
        403,
        "Comments are closed",
        "comments are closed: this article takes no more comments.",
        kind="closed",
    )


def admit(state: ArticleState, decision: Decision) -> Decision:
    """Refuse a comment to a closed article; hold one published on a premoderated one."""
    if state is ArticleState.CLOSED:
        raise closed()
    if state is ArticleState.PREMODERATED and decision.status is Status.APPROVED:
        details = {**decision.details, "outcome": "premoderated"}
        details.pop("audit", None)  # nothing automatic left to audit
        return dataclasses.replace(
            decision,
            status=Status.PENDING,
            reasons=(*decision.reasons, PREMODERATED_REASON),
            details=details,
        )
    return decision
