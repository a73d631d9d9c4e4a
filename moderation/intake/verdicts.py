"""Checks before a comment is stored, for one comment or a whole batch.

A submission is checked against flood limits (intake/flood.py) and duplicates
(intake/duplicates.py). `verdicts` is pure: given what the store reports for
each comment of a batch, it says which are refused, counting the comments
accepted earlier in the same batch; `check_all` does the I/O around it inside
the caller's transaction, so the limits hold across instances: the subjects
are locked until the comments are stored (or the transaction rolls back),
counted, and marked in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from moderation.domain import Comment
from moderation.intake import duplicates
from moderation.intake.flood import FloodLimits, flood_verdict, too_many
from moderation.problems import Problem
from moderation.settings import Settings
from moderation.store import abuse as abuse_store


@dataclass(frozen=True, slots=True)
class Checks:
    """What a submission is checked against before it is stored."""

    flood: FloodLimits | None  # None: a trusted caller, whom flood limits do not hold
    duplicate_window: float  # seconds; 0: duplicates are not looked for
    key: bytes  # the service's secret key: subjects are keyed hashes

    @classmethod
    def from_settings(cls, settings: Settings, *, trusted: bool, key: bytes) -> Checks:
        return cls(
            flood=None if trusted else FloodLimits.from_settings(settings),
            duplicate_window=settings.duplicate_window_seconds,
            key=key,
        )


@dataclass(frozen=True, slots=True)
class Sender:
    """What the checks lock, look up and mark for one comment."""

    flood: FloodLimits | None  # the limits that hold for it, None if none do
    ask: abuse_store.Ask
    said_lock: str | None  # the duplicate check's lock subject

    @classmethod
    def of(cls, checks: Checks, comment: Comment) -> Sender:
        flood = checks.flood if checks.flood is not None and checks.flood.active else None
        ip = email = None
        if flood is not None:
            ip = (
                abuse_store.subject(checks.key, "ip", str(comment.client_ip))
                if comment.client_ip
                else None
            )
            if comment.email.strip():
                email = abuse_store.subject(checks.key, "email", comment.email.lower())
        said = said_lock = None
        if checks.duplicate_window:
            said, said_lock = duplicates.said(comment, checks.duplicate_window, checks.key)
        ask = abuse_store.Ask(
            ip,
            email,
            flood.ip_window if flood else 0.0,
            max(flood.ip_max, 1) if flood else 1,
            said,
        )
        return cls(flood, ask, said_lock)

    @property
    def marks(self) -> list[str]:
        """The subjects an accepted comment marks."""
        return [s for s in (self.ask.ip, self.ask.email) if s is not None]

    @property
    def locks(self) -> list[str]:
        return self.marks + ([self.said_lock] if self.said_lock else [])


# A comment with nothing to check: a trusted caller with the duplicate window off.
UNCHECKED = Sender(None, abuse_store.Ask(None, None), None)


def verdicts(
    senders: list[Sender], looks: list[tuple[abuse_store.FloodMarks, bool]]
) -> list[Problem | None]:
    """429, 409 or None (accepted) per comment, in order. A comment accepted earlier in
    the same batch counts as a mark made now and as something already said."""
    ip_taken: dict[str, int] = {}
    emails: set[str] = set()
    said: set[str] = set()
    out: list[Problem | None] = []
    for sender, (marks, said_before) in zip(senders, looks, strict=True):
        ask, problem = sender.ask, None
        if sender.flood is not None:
            n = ip_taken.get(ask.ip, 0) if ask.ip else 0
            marks = abuse_store.FloodMarks(
                marks.now,
                marks.now if n else marks.ip_last,
                marks.now if ask.email in emails else marks.email_last,
                [marks.now] * n + marks.ip_recent,
            )
            if (refusal := flood_verdict(marks, sender.flood)) is not None:
                problem = too_many(refusal)
        if problem is None and sender.said_lock and (said_before or sender.said_lock in said):
            problem = duplicates.duplicate()
        if problem is None:
            if ask.ip:
                ip_taken[ask.ip] = ip_taken.get(ask.ip, 0) + 1
            if ask.email:
                emails.add(ask.email)
            if sender.said_lock:
                said.add(sender.said_lock)
        out.append(problem)
    return out


async def check_all(conn: asyncpg.Connection, senders: list[Sender]) -> list[Problem | None]:
    """The verdicts for comments about to be stored in the caller's transaction, and the
    marks of those accepted (kept if it commits). Three round trips for any number of
    comments: lock every subject, look them all up, mark."""
    locks = [subject for s in senders for subject in s.locks]
    if not locks:
        return [None] * len(senders)
    await abuse_store.lock(conn, locks)
    problems = verdicts(senders, await abuse_store.look(conn, [s.ask for s in senders]))
    accepted = [s for s, p in zip(senders, problems, strict=True) if p is None]
    subjects = [m for s in accepted for m in s.marks]
    if subjects:
        horizon = max(s.flood.horizon for s in accepted if s.flood is not None)
        await abuse_store.mark(conn, subjects, horizon)
    return problems


async def check(conn: asyncpg.Connection, checks: Checks, comment: Comment) -> None:
    """429 if the sender is over a flood limit, 409 if they said this already on the
    article within the window; else the sender is marked (kept if the comment commits)."""
    [problem] = await check_all(conn, [Sender.of(checks, comment)])
    if problem is not None:
        raise problem
