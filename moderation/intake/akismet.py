"""The Akismet API (REST API 1.1) as a service: keys, checks, answers, labels. No HTTP.

comment-check runs the same decision code as the public API
(`submission.assess`: facts, rules, score, policy) and stores the comment like
any other, with the key's site as the article's site; a held comment lands in
the review queue. `is_test` decides and stores nothing. submit-spam and
submit-ham record training labels (source 'akismet').
"""

from __future__ import annotations

import hmac
import ipaddress
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web

from moderation.domain import Comment, Decision, Principal, Rejection, Role, Status, digest
from moderation.intake import submission
from moderation.keys import MODEL, POOL, RULES, SETTINGS
from moderation.ops.events import decided_automatically
from moderation.settings import Settings
from moderation.store import akismet as akismet_store
from moderation.store import comments, tokens
from moderation.store import labels as label_store

GUARANTEED_SPAM_AUTHOR = "akismet-guaranteed-spam"
GUARANTEED_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
THANKS = "Thanks for making the web a better place."
ARTICLE_CHARS = 200  # as the public API's article field
FIELD_CHARS = 1000  # for what is only kept with the check

# Kept with a stored check, for moderators and audits; they do not change the decision.
EXTRA_FIELDS = (
    "blog",
    "permalink",
    "comment_type",
    "blog_lang",
    "blog_charset",
    "comment_date_gmt",
    "comment_post_modified_gmt",
    "user_role",
    "recheck_reason",
    "honeypot_field_name",
)


class Invalid(Exception):
    """The request is wrong: Akismet answers `invalid` with this as X-akismet-debug-help."""

    def __init__(self, help_text: str) -> None:
        super().__init__(help_text)
        self.help = help_text


@dataclass(frozen=True, slots=True)
class Site:
    """Who calls with a key: the token's name (who gave a label) and the site's name."""

    name: str
    site: str


async def key_site(conn: asyncpg.Connection | asyncpg.Pool, key: str, blog: str) -> Site:
    """The site a valid key stands for; `Invalid` for an unknown key or a missing blog.

    Keys are API tokens with the site role (the token's name is the site) or an
    admin's (the blog's host name is the site).
    """
    if not key:
        raise Invalid('Empty "api_key" value: send your API key.')
    host = _blog_host(blog)
    wanted = digest(key)
    row = await tokens.find_active(conn, wanted)
    if row is None or not hmac.compare_digest(row["hash"], wanted):
        raise Invalid("The API key is unknown or revoked.")
    role = Role(row["role"])
    if not Principal(row["id"], row["name"], role).may(Role.SITE):
        raise Invalid("This key is not a site key: ask an admin for a token with the site role.")
    return Site(name=row["name"], site=row["name"] if role is Role.SITE else host)


def _blog_host(blog: str) -> str:
    if not blog.strip():
        raise Invalid('Empty "blog" value: send the front page URL of your site.')
    parts = urlsplit(blog.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid('The "blog" value must be the full URL of your site, with http(s)://.')
    return parts.hostname.lower()


def article_for(site: str, permalink: str) -> str:
    """The key's site and the permalink's path: `news.example/2024/05/story`."""
    path = urlsplit(permalink.strip()).path if permalink.strip() else ""
    article = "".join((site + path.rstrip("/")).split())  # no whitespace, as public articles
    return article[:ARTICLE_CHARS] or site


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def _clean(value: str | None, limit: int | None = None) -> str:
    text = (value or "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
    return text[:limit] if limit is not None else text


@dataclass(frozen=True, slots=True)
class Check:
    """One comment-check request, validated."""

    comment: Comment
    administrator: bool
    guaranteed_spam: bool
    is_test: bool
    recheck: bool
    fields: dict[str, Any]


def parse_check(
    form: Mapping[str, str], context: Sequence[str], site: Site, settings: Settings
) -> Check:
    """The comment and its circumstances from Akismet's fields; `Invalid` if user_ip is bad."""
    raw_ip = form.get("user_ip", "").strip()
    if not raw_ip:
        raise Invalid('Empty "user_ip" value: send the commenter\'s IP address.')
    try:
        ip = ipaddress.ip_address(raw_ip)
    except ValueError:
        raise Invalid('The "user_ip" value is not an IP address.') from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    honeypot_name = form.get("honeypot_field_name", "").strip()
    honeypot = _clean(form.get(honeypot_name)) if honeypot_name else ""
    name = _clean(form.get("comment_author"), settings.max_name_chars).strip()
    email = _clean(form.get("comment_author_email"), settings.max_email_chars).strip()
    comment = Comment(
        article=article_for(site.site, _clean(form.get("permalink"))),
        name=name,
        email=email,
        body=_clean(form.get("comment_content")).strip(),
        url=_clean(form.get("comment_author_url"), settings.max_url_chars).strip() or None,
        client_ip=ip,
        user_agent=_clean(form.get("user_agent"), 512) or None,
        referrer=_clean(form.get("referrer"), 2048) or None,
        honeypot=honeypot or None,
    )
    fields: dict[str, Any] = {
        k: _clean(form[k], FIELD_CHARS) for k in EXTRA_FIELDS if form.get(k, "").strip()
    }
    if context:
        fields["comment_context"] = [_clean(c, FIELD_CHARS) for c in context]
    return Check(
        comment=comment,
        administrator=form.get("user_role", "").strip().lower() == "administrator",
        guaranteed_spam=name.lower() == GUARANTEED_SPAM_AUTHOR
        or email.lower() == GUARANTEED_SPAM_EMAIL,
        is_test=truthy(form.get("is_test")),
        recheck=bool(form.get("recheck_reason", "").strip()),
        fields=fields,
    )


@dataclass(frozen=True, slots=True)
class AkismetAnswer:
    spam: bool  # the answer: true or false
    discard: bool  # X-akismet-pro-tip: discard, for blatant spam
    decision: Decision  # what is stored


def answer_for(decision: Decision, check: Check, settings: Settings) -> AkismetAnswer:
    """Akismet's answer for a decision. Pure: the same inputs, the same answer."""
    if check.administrator:
        return AkismetAnswer(False, False, _override(decision, Status.APPROVED, "administrator"))
    if check.guaranteed_spam:
        return AkismetAnswer(True, False, _override(decision, Status.REJECTED, "guaranteed_spam"))
    if decision.status is Status.REJECTED:
        outcome = decision.details.get("outcome")
        p = decision.spam_score or 0.0
        blatant = outcome == "rule_spam" or p >= settings.akismet_discard_above
        return AkismetAnswer(True, blatant, decision)
    if decision.status is Status.APPROVED:
        return AkismetAnswer(False, False, decision)
    return AkismetAnswer(settings.akismet_uncertain_answer, False, decision)  # held for review


def _override(decision: Decision, status: Status, outcome: str) -> Decision:
    reason = {
        "administrator": "Akismet user_role administrator: always ham",
        "guaranteed_spam": "Akismet test author or email: always spam",
    }[outcome]
    return replace(
        decision,
        status=status,
        rejection=Rejection.SPAM if status is Status.REJECTED else None,
        reasons=(reason,),
        details={**decision.details, "outcome": f"akismet_{outcome}"},
    )


@dataclass(frozen=True, slots=True)
class Checked:
    answer: AkismetAnswer
    guid: uuid.UUID
    comment_id: int | None  # None: nothing stored (is_test, or a recheck of a known comment)


async def comment_check(app: web.Application, check: Check, site: Site) -> Checked:
    """Decide a comment-check; a stored comment's decision is announced (ops/events)."""
    done = await _comment_check(app, check, site)
    if done.comment_id is not None:
        decided_automatically(app, done.comment_id, check.comment.article, done.answer.decision)
    return done


async def _comment_check(app: web.Application, check: Check, site: Site) -> Checked:
    live, rules, s = app[MODEL], app[RULES].rules, app[SETTINGS]
    async with app[POOL].acquire() as conn, conn.transaction():
        decision = await submission.assess(conn, check.comment, live, rules, s)
        answer = answer_for(decision, check, s)
        if check.is_test:
            return Checked(answer, uuid.uuid4(), None)
        if check.recheck:
            c = check.comment
            known = await akismet_store.by_content(conn, site.site, c.email, c.body)
            if known is not None:
                return Checked(answer, known[1], None)
        stored = await comments.insert(conn, check.comment, answer.decision)
        guid = uuid.uuid4()
        await akismet_store.record_check(conn, guid, stored.id, site.site, check.fields)
    return Checked(answer, guid, stored.id)


def _guid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


async def submit_label(
    pool: asyncpg.Pool, form: Mapping[str, str], site: Site, label: str, settings: Settings
) -> int | None:
    """Record `label` for the comment found by guid, else by content; returns its id.

    A comment this service never checked is kept as labelled text, as imports are.
    """
    name = _clean(form.get("comment_author"), settings.max_name_chars).strip()
    email = _clean(form.get("comment_author_email"), settings.max_email_chars).strip()
    url = _clean(form.get("comment_author_url"), settings.max_url_chars).strip()
    body = _clean(form.get("comment_content")).strip()
    async with pool.acquire() as conn, conn.transaction():
        guid = _guid(form.get("guid"))
        comment_id = await akismet_store.by_guid(conn, site.site, guid) if guid else None
        if comment_id is None:
            known = await akismet_store.by_content(conn, site.site, email, body)
            comment_id = known[0] if known else None
        if comment_id is not None:
            await label_store.label_comment(conn, comment_id, label, site.name)
        elif body:
            await label_store.label_text(
                conn, label=label, given_by=site.name, name=name, email=email, url=url, body=body
            )
    return comment_id
