"""Site rules, as WordPress's discussion settings: small guards run in order.

Each guard looks at one comment and returns a `Hit` (its verdict and why) or
None. A `spam` verdict rejects the comment whatever the classifier says; a
`review` verdict keeps it from being approved automatically.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from moderation.classifier.links import find_links
from moderation.classifier.normalize import fold_for_tokens, normalize
from moderation.domain import DEFAULT_SITE, Comment
from moderation.settings import Settings


class Verdict(StrEnum):
    SPAM = "spam"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class Hit:
    rule: str
    verdict: Verdict
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "verdict": self.verdict.value, "detail": self.detail}


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class SiteRules:
    max_links: int = 2
    moderation_words: Sequence[str] = ()
    disallowed_words: Sequence[str] = ()
    blocked_emails: Sequence[str] = ()
    blocked_domains: Sequence[str] = ()
    blocked_ips: Sequence[Network] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> SiteRules:
        return cls(
            max_links=settings.max_links,
            moderation_words=tuple(settings.moderation_words),
            disallowed_words=tuple(settings.disallowed_words),
            blocked_emails=tuple(settings.blocked_emails),
            blocked_domains=tuple(settings.blocked_domains),
            blocked_ips=tuple(settings.blocked_ips),
        )

    # The lists `GET/PUT /v1/admin/rules` name, in the order answers give them.
    LISTS = (
        "blocked_emails",
        "blocked_domains",
        "blocked_ips",
        "disallowed_words",
        "moderation_words",
    )

    def to_dict(self) -> dict[str, Any]:
        """The rules as JSON values (networks as text), as stored and as the API answers."""
        return {
            "blocked_emails": list(self.blocked_emails),
            "blocked_domains": list(self.blocked_domains),
            "blocked_ips": [str(n) for n in self.blocked_ips],
            "disallowed_words": list(self.disallowed_words),
            "moderation_words": list(self.moderation_words),
            "max_links": self.max_links,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SiteRules:
        """Rules from `to_dict`'s shape (already validated when they were stored)."""
        return cls(
            max_links=int(data.get("max_links", 2)),
            moderation_words=tuple(data.get("moderation_words", ())),
            disallowed_words=tuple(data.get("disallowed_words", ())),
            blocked_emails=tuple(data.get("blocked_emails", ())),
            blocked_domains=tuple(data.get("blocked_domains", ())),
            blocked_ips=tuple(
                ipaddress.ip_network(n, strict=False) for n in data.get("blocked_ips", ())
            ),
        )

    @cached_property
    def moderation_pattern(self) -> re.Pattern[str] | None:
        return _word_pattern(self.moderation_words)

    @cached_property
    def disallowed_pattern(self) -> re.Pattern[str] | None:
        return _word_pattern(self.disallowed_words)


class LiveRules:
    """The rules an instance applies right now, swapped when an admin changes them
    (ops/site_rules.py follows the database). A decision reads `live.rules` once."""

    def __init__(self, rules: SiteRules, version: int = 0) -> None:
        self.rules = rules  # the default site's
        self.version = version  # 0: the environment's rules, never changed at run time
        self.base = rules  # the installation's: a site that never changed its rules has these
        self._sites: dict[str, tuple[SiteRules, int]] = {}

    def swap(self, rules: SiteRules, version: int, site: str = DEFAULT_SITE) -> None:
        if site == DEFAULT_SITE:
            self.rules, self.version = rules, version
        else:
            self._sites[site] = (rules, version)

    def for_site(self, site: str) -> SiteRules:
        if site == DEFAULT_SITE:
            return self.rules
        hit = self._sites.get(site)
        return hit[0] if hit else self.base

    def version_of(self, site: str) -> int:
        if site == DEFAULT_SITE:
            return self.version
        hit = self._sites.get(site)
        return hit[1] if hit else 0


def _word_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    folded = sorted({fold_for_tokens(normalize(w)) for w in words if w.strip()}, key=len)
    if not folded:
        return None
    alternatives = "|".join(re.escape(w) for w in reversed(folded))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class Seen:
    """A comment as the rules read it: normalised at most once, shared by every guard,
    and only as far as some guard asks (without word lists, nobody needs `text`)."""

    def __init__(self, comment: Comment) -> None:
        self.comment = comment

    @cached_property
    def body(self) -> str:
        return normalize(self.comment.body)

    @cached_property
    def text(self) -> str:
        c = self.comment
        whole = " ".join(p for p in (c.name, c.email, c.url or "", self.body) if p)
        return fold_for_tokens(normalize(whole))

    @cached_property
    def links(self) -> list[str]:
        return find_links(self.body)


Guard = Callable[[Seen, SiteRules], Hit | None]


def honeypot(seen: Seen, rules: SiteRules) -> Hit | None:
    if seen.comment.honeypot and seen.comment.honeypot.strip():
        return Hit("honeypot", Verdict.SPAM, "the hidden field was filled in")
    return None


def blocked_email(seen: Seen, rules: SiteRules) -> Hit | None:
    if seen.comment.email.lower() in rules.blocked_emails:
        return Hit("blocked_email", Verdict.SPAM, "the email address is blocked")
    return None


def blocked_domain(seen: Seen, rules: SiteRules) -> Hit | None:
    if not rules.blocked_domains:
        return None
    c = seen.comment
    hosts = [c.email.rpartition("@")[2].lower(), *seen.links]
    if c.url:
        hosts.extend(find_links(c.url))
    for host in hosts:
        for blocked in rules.blocked_domains:
            if host == blocked or host.endswith("." + blocked):
                return Hit("blocked_domain", Verdict.SPAM, f"{blocked} is blocked")
    return None


def blocked_ip(seen: Seen, rules: SiteRules) -> Hit | None:
    ip = seen.comment.client_ip
    if ip is None:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # an IPv4 client seen through a dual-stack socket
    for net in rules.blocked_ips:
        if ip.version == net.version and ip in net:
            return Hit("blocked_ip", Verdict.SPAM, "the sender's address is blocked")
    return None


def disallowed_words(seen: Seen, rules: SiteRules) -> Hit | None:
    pattern = rules.disallowed_pattern
    if pattern and (m := pattern.search(seen.text)):
        return Hit("disallowed_words", Verdict.SPAM, f"contains the disallowed {m.group(0)!r}")
    return None


def too_many_links(seen: Seen, rules: SiteRules) -> Hit | None:
    n = len(seen.links)
    if n > rules.max_links:
        return Hit("too_many_links", Verdict.REVIEW, f"{n} links (more than {rules.max_links})")
    return None


def moderation_words(seen: Seen, rules: SiteRules) -> Hit | None:
    pattern = rules.moderation_pattern
    if pattern and (m := pattern.search(seen.text)):
        return Hit("moderation_words", Verdict.REVIEW, f"contains {m.group(0)!r}")
    return None


GUARDS: tuple[Guard, ...] = (
    honeypot,
    blocked_email,
    blocked_domain,
    blocked_ip,
    disallowed_words,
    too_many_links,
    moderation_words,
)


def check(comment: Comment, rules: SiteRules) -> list[Hit]:
    seen = Seen(comment)
    return [hit for guard in GUARDS if (hit := guard(seen, rules)) is not None]
