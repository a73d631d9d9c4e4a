"""The Akismet API as a service: comment-checks and their answers (keys and refusals:
intake/akismet_keys.py). No HTTP.

comment-check runs the same decision code as the public API (`submission.score`
and the policy, with the facts the database knows) and stores the result as a
*check* (store/checks.py), never as a comment: a site that uses the Akismet API
publishes its comments itself, so nothing checked here is ever listed by the
article endpoints or the embed pages. A held check waits in the checks' review
queue (review/checks.py). Checks are stored by a group-commit writer, as public
submissions are, so a check costs about what a JSON submission costs.

`is_test` decides and stores nothing. submit-spam and submit-ham are in
intake/akismet_reports.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from moderation.domain import (
    Comment,
    Decision,
    Facts,
    Rejection,
    Status,
)
from moderation.intake import submission
from moderation.intake.akismet_keys import KeyCache, Site, bad_field, missing
from moderation.intake.batches import Batcher
from moderation.keys import MODEL, POOL, RULES, SETTINGS
from moderation.ops import sites
from moderation.ops.events import check_stored
from moderation.settings import Settings
from moderation.store import checks as check_store

GUARANTEED_SPAM_AUTHOR = "akismet-guaranteed-spam"
GUARANTEED_SPAM_EMAIL = "akismet-guaranteed-spam@example.com"
THANKS = "Thanks for making the web a better place."
FIELD_CHARS = 1000  # for what is only kept with the check
CONTEXT_ITEMS = 50
# WordPress's roles that Akismet always answers ham for (a multisite sends a list).
ADMIN_ROLES = frozenset({"administrator", "super_admin"})
# Schemes no reader's website has: a comment that gives one is spam.
SCRIPT_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})
COMMENT_TYPES = frozenset({"", "comment", "reply", "trackback", "pingback", "forum-post"})

# Kept with a stored check, for moderators and audits; they do not change the decision.
EXTRA_FIELDS = (
    "blog",
    "blog_lang",
    "blog_charset",
    "comment_date_gmt",
    "comment_post_modified_gmt",
    "user_role",
    "recheck_reason",
    "honeypot_field_name",
)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "false", "no", "off")


def clean(value: str | None, limit: int | None = None) -> str:
    text = (value or "").replace("\x00", "")  # PostgreSQL text cannot hold NUL
    return text[:limit] if limit is not None else text


def roles(value: str | None) -> set[str]:
    """`administrator,super_admin` (a multisite's list) as a set of role names."""
    return {r.strip().lower() for r in (value or "").split(",") if r.strip()}


@dataclass(frozen=True, slots=True)
class Check:
    """One comment-check request, validated."""

    comment: Comment
    comment_type: str
    permalink: str | None
    administrator: bool
    guaranteed_spam: bool
    script_url: str | None  # a javascript:/data: website: spam, and not kept as a link
    is_test: bool
    recheck: bool
    fields: dict[str, Any]

    @property
    def is_comment(self) -> bool:
        """A blog comment (or reply, trackback); contact forms, sign-ups, orders are not."""
        return self.comment_type in COMMENT_TYPES


def _ip(form: Mapping[str, str]) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw_ip = form.get("user_ip", "").strip()
    if not raw_ip:
        raise missing("user_ip")
    try:
        ip = ipaddress.ip_address(raw_ip)
    except ValueError:
        raise bad_field("user_ip", "is not an IP address") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def _url(raw: str, settings: Settings) -> tuple[str | None, str | None]:
    """(the website to keep, a script URL that makes the comment spam), as the public API
    checks it: http(s) only, a bare `example.com` becomes http://example.com."""
    value = raw.strip()
    if not value:
        return None, None
    if len(value) > settings.max_url_chars:
        raise bad_field("comment_author_url", f"is over {settings.max_url_chars} characters")
    if "://" not in value and ":" not in value.split("/", 1)[0]:
        value = "http://" + value
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in SCRIPT_SCHEMES:
        return None, scheme
    if scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        return None, None  # not a web address: nothing to keep, no evidence either
    return value, None


def _at_most(form: Mapping[str, str], field: str, limit: int) -> str:
    value = clean(form.get(field)).strip()
    if len(value) > limit:
        raise bad_field(field, f"is over {limit} characters")
    return value


def parse_check(form: Mapping[str, str], context: Sequence[str], settings: Settings) -> Check:
    """The comment and its circumstances from Akismet's fields; `Invalid` for what the
    public API would refuse (no or a bad user_ip, fields over WordPress's limits)."""
    ip = _ip(form)
    body = clean(form.get("comment_content")).strip()
    if len(body.encode()) > settings.max_body_bytes:
        raise bad_field("comment_content", f"is over {settings.max_body_bytes} bytes")
    name = _at_most(form, "comment_author", settings.max_name_chars)
    email = _at_most(form, "comment_author_email", settings.max_email_chars)
    url, script = _url(clean(form.get("comment_author_url")), settings)
    honeypot_name = form.get("honeypot_field_name", "").strip()
    honeypot = clean(form.get(honeypot_name)) if honeypot_name else ""
    permalink = clean(form.get("permalink"), 2048).strip() or None
    comment = Comment(
        article=permalink or "",
        name=name,
        email=email,
        body=body,
        url=url,
        client_ip=ip,
        user_agent=clean(form.get("user_agent"), 512) or None,
        referrer=clean(form.get("referrer"), 2048) or None,
        honeypot=honeypot or None,
    )
    fields: dict[str, Any] = {
        k: clean(form[k], FIELD_CHARS) for k in EXTRA_FIELDS if form.get(k, "").strip()
    }
    if context:
        fields["comment_context"] = [clean(c, FIELD_CHARS) for c in context[:CONTEXT_ITEMS]]
    if script:
        fields["comment_author_url"] = clean(form.get("comment_author_url"), FIELD_CHARS)
    return Check(
        comment=comment,
        comment_type=clean(form.get("comment_type"), 64).strip().lower() or "comment",
        permalink=permalink,
        administrator=bool(roles(form.get("user_role")) & ADMIN_ROLES),
        guaranteed_spam=name.lower() == GUARANTEED_SPAM_AUTHOR
        or email.lower() == GUARANTEED_SPAM_EMAIL,
        script_url=script,
        is_test=truthy(form.get("is_test")),
        recheck=bool(form.get("recheck_reason", "").strip()),
        fields=fields,
    )


@dataclass(frozen=True, slots=True)
class AkismetAnswer:
    spam: bool  # the answer: true or false
    discard: bool  # X-akismet-pro-tip: discard, for blatant spam
    decision: Decision  # what is stored; its status is X-Moderation-Status


def answer_for(decision: Decision, check: Check, settings: Settings) -> AkismetAnswer:
    """Akismet's answer for a decision. Pure: the same inputs, the same answer."""
    if check.administrator:
        return AkismetAnswer(False, False, _override(decision, Status.APPROVED, "administrator"))
    if check.guaranteed_spam:
        return AkismetAnswer(True, False, _override(decision, Status.REJECTED, "guaranteed_spam"))
    if check.script_url:
        return AkismetAnswer(True, True, _override(decision, Status.REJECTED, "script_url"))
    if decision.status is Status.REJECTED:
        outcome = decision.details.get("outcome")
        p = decision.spam_score or 0.0
        blatant = outcome == "rule_spam" or p >= settings.akismet_discard_above
        return AkismetAnswer(True, blatant, decision)
    if decision.status is Status.APPROVED:
        return AkismetAnswer(False, False, decision)
    return AkismetAnswer(settings.akismet_uncertain_answer, False, decision)  # held for review


_OVERRIDES = {
    "administrator": "Akismet user_role administrator: always ham",
    "guaranteed_spam": "Akismet test author or email: always spam",
    "script_url": "the author's website is a script (javascript:, data:), not a web address",
}


def _override(decision: Decision, status: Status, outcome: str) -> Decision:
    return replace(
        decision,
        status=status,
        rejection=Rejection.SPAM if status is Status.REJECTED else None,
        reasons=(_OVERRIDES[outcome],),
        details={**decision.details, "outcome": f"akismet_{outcome}"},
    )


@dataclass(frozen=True, slots=True)
class Checked:
    answer: AkismetAnswer
    guid: uuid.UUID
    check_id: int | None  # None: nothing stored (is_test, or a recheck of a known check)
    status: Status  # X-Moderation-Status: the truth, whatever the body says


CHECKS = web.AppKey("akismet_checks", Batcher[check_store.NewCheck, int])
KEYS = web.AppKey("akismet_keys", KeyCache)


async def lifetime(app: web.Application) -> AsyncIterator[None]:
    """The checks' group-commit writer and the key cache (app.create_app's cleanup_ctx)."""
    pool = app[POOL]
    tasks = max(1, min(4, app[SETTINGS].pool_max_size // 4))
    writer: Batcher[check_store.NewCheck, int] = Batcher(
        lambda batch: check_store.insert_many(pool, batch), tasks=tasks, name="check-writer"
    )
    app[CHECKS] = writer
    app[KEYS] = KeyCache(app[SETTINGS].akismet_key_cache_seconds)
    try:
        yield
    finally:
        await writer.close()


async def _decide(app: web.Application, check: Check, site: Site) -> Decision:
    """The public API's decision (intake/submission.py), with this site's checks as the
    facts: a known author is one whose checks the site has had approved."""
    live, rules = app[MODEL], app[RULES].for_site(site.site)
    s = await sites.settings_for(app, site.site)  # the site's own, if it changed any
    c = replace(check.comment, site=site.site)  # scored by the site's own model
    if len(c.body) > submission.OFFLOAD_CHARS:
        scored = await asyncio.to_thread(submission.score, c, live, rules)
    else:
        scored = submission.score(c, live, rules)
    trust = s.trust_known_authors and bool(c.email.strip()) and check.is_comment
    decision = submission.decide_scored(scored, Facts(), trust)
    if trust and decision.details.get("outcome") in submission.TRUST_OUTCOMES:
        known = await check_store.author_has_approved(app[POOL], site.site, c.email)
        decision = submission.decide_scored(scored, Facts(author_has_approved=known), trust)
    return decision


async def comment_check(app: web.Application, check: Check, site: Site) -> Checked:
    """Decide a comment-check and store it as a check (unless it is a test)."""
    decision = await _decide(app, check, site)
    answer = answer_for(decision, check, app[SETTINGS])
    status = answer.decision.status
    if check.is_test:
        return Checked(answer, uuid.uuid4(), None, status)
    if check.recheck:
        c = check.comment
        known = await check_store.by_content(app[POOL], site.site, c.email, c.body)
        if known is not None:
            # The stored check's status stands (a moderator may have decided it since).
            was = Status(known["status"])
            spam = was is Status.REJECTED or (
                was is Status.PENDING and app[SETTINGS].akismet_uncertain_answer
            )
            return Checked(replace(answer, spam=spam), known["guid"], None, was)
    guid = uuid.uuid4()
    fields = check.fields if not site.admin else {**check.fields, "key": site.name}
    new = check_store.NewCheck(
        site=site.site,
        guid=guid,
        key_name=site.name,
        comment_type=check.comment_type,
        permalink=check.permalink,
        comment=check.comment,
        decision=answer.decision,
        fields=fields,
    )
    check_id = await app[CHECKS].submit(new)
    check_stored(app, site.site, answer.decision)
    return Checked(answer, guid, check_id, status)
