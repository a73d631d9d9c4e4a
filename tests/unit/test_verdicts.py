"""Flood and duplicate verdicts with plain values: one comment, and a batch counted as one.

`intake.verdicts.verdicts` decides a whole group-commit batch from one lookup,
so a comment accepted earlier in the batch must count as a mark made now and
as something already said.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

from moderation.domain import Comment
from moderation.intake.flood import FloodLimits, flood_verdict
from moderation.intake.verdicts import Checks, Sender, verdicts
from moderation.store.abuse import FloodMarks

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
QUIET = FloodMarks(NOW, None, None, [])  # nothing remembered of the sender


def comment(ip: str = "192.0.2.1", email: str = "dana@example.org", body: str = "Hi.") -> Comment:
    return Comment(
        article="story",
        name="Dana",
        email=email,
        body=body,
        client_ip=ipaddress.ip_address(ip),
    )


def senders(checks: Checks, *comments: Comment) -> list[Sender]:
    return [Sender.of(checks, c) for c in comments]


def statuses(problems: list[object]) -> list[int | None]:
    return [getattr(p, "status", None) for p in problems]


def test_the_flood_verdict_asks_for_the_longest_wait() -> None:
    limits = FloodLimits(ip_interval=15, email_interval=60, ip_max=2, ip_window=600)
    marks = FloodMarks(
        now=NOW,
        ip_last=NOW - timedelta(seconds=5),
        email_last=NOW - timedelta(seconds=30),
        ip_recent=[NOW - timedelta(seconds=5), NOW - timedelta(seconds=100)],
    )
    refusal = flood_verdict(marks, limits)
    assert refusal is not None and refusal.retry_after == 500
    assert "2 comments" in refusal.reason
    assert flood_verdict(QUIET, limits) is None
    assert flood_verdict(marks, FloodLimits()) is None


def test_a_second_comment_from_one_address_in_the_same_batch_is_refused_with_429() -> None:
    checks = Checks(FloodLimits(ip_interval=30), duplicate_window=0, key=b"test-key")
    batch = senders(checks, comment(email="a@example.org"), comment(email="b@example.org"))
    assert statuses(verdicts(batch, [(QUIET, False), (QUIET, False)])) == [None, 429]


def test_a_second_comment_from_one_email_in_the_same_batch_is_refused_with_429() -> None:
    checks = Checks(FloodLimits(email_interval=30), duplicate_window=0, key=b"test-key")
    batch = senders(checks, comment(ip="192.0.2.1"), comment(ip="198.51.100.7"))
    assert statuses(verdicts(batch, [(QUIET, False), (QUIET, False)])) == [None, 429]


def test_the_rate_per_address_counts_the_comments_accepted_earlier_in_the_batch() -> None:
    checks = Checks(FloodLimits(ip_max=2, ip_window=600), duplicate_window=0, key=b"test-key")
    batch = senders(checks, *(comment(email=f"r{i}@example.org") for i in range(3)))
    assert statuses(verdicts(batch, [(QUIET, False)] * 3)) == [None, None, 429]


def test_a_refused_comment_does_not_count_against_the_next_one() -> None:
    checks = Checks(FloodLimits(ip_max=1, ip_window=600), duplicate_window=0, key=b"test-key")
    busy = FloodMarks(NOW, NOW - timedelta(seconds=1), None, [NOW - timedelta(seconds=1)])
    first, second = senders(
        checks, comment(ip="192.0.2.1"), comment(ip="198.51.100.7", email="x@example.org")
    )
    assert statuses(verdicts([first, second], [(busy, False), (QUIET, False)])) == [429, None]


def test_the_same_text_twice_in_one_batch_is_a_duplicate_409() -> None:
    checks = Checks(None, duplicate_window=600, key=b"test-key")
    batch = senders(checks, comment(), comment())
    assert statuses(verdicts(batch, [(QUIET, False), (QUIET, False)])) == [None, 409]


def test_what_the_store_says_was_said_before_is_a_duplicate_409() -> None:
    checks = Checks(None, duplicate_window=600, key=b"test-key")
    assert statuses(verdicts(senders(checks, comment()), [(QUIET, True)])) == [409]


def test_a_trusted_caller_is_held_by_no_flood_limit_but_by_the_duplicate_check() -> None:
    checks = Checks(None, duplicate_window=600, key=b"test-key")
    batch = senders(checks, comment(body="One."), comment(body="Two."), comment(body="One."))
    assert statuses(verdicts(batch, [(QUIET, False)] * 3)) == [None, None, 409]


def test_different_senders_in_one_batch_do_not_limit_each_other() -> None:
    checks = Checks(
        FloodLimits(ip_interval=30, email_interval=30), duplicate_window=600, key=b"test-key"
    )
    batch = senders(
        checks,
        comment(ip="192.0.2.1", email="a@example.org"),
        comment(ip="198.51.100.7", email="b@example.org"),
    )
    assert statuses(verdicts(batch, [(QUIET, False), (QUIET, False)])) == [None, None]
