"""Duplicates: the same text from the same email on the same article, within a window."""

from __future__ import annotations

from moderation.domain import Comment
from moderation.problems import Problem
from moderation.store import abuse as abuse_store


def duplicate() -> Problem:
    return Problem(
        409,
        "Duplicate comment",
        "It looks as though you have already said that.",
        kind="duplicate",
    )


def said(comment: Comment, window: float, key: bytes) -> tuple[abuse_store.Said, str]:
    """What to look up for a duplicate, and the lock subject that serialises two at once."""
    looked_up = abuse_store.Said(comment.site, comment.article, comment.email, comment.body, window)
    # Two identical submissions at once: the second waits, then sees the first.
    lock = abuse_store.subject(
        key,
        "said",
        "\x1f".join((comment.site, comment.article, comment.email.lower(), comment.body)),
    )
    return looked_up, lock
