"""The desk's Rules page (admins): the site rules of `GET/PUT /v1/admin/rules`, edited.

The form has one text box per list (a value a line) and the link limit; it is
checked by the API's own model (http/schemas_desk.RulesIn) and saved by the same
service (ops/site_rules.replace), so the page and the API agree on every rule. A
refused value is shown next to its box, by line, with what was typed kept. Only the
lists that changed are saved, so the history says what each edit did; an edit
begun on an older version is refused rather than overwriting a colleague's.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from moderation.http.requests import parse
from moderation.http.schemas_desk import RulesIn
from moderation.keys import SETTINGS
from moderation.ops import site_rules
from moderation.problems import FieldErrors, Problem
from moderation.web import sessions
from moderation.web.desk_models import admin_session
from moderation.web.desk_queue import context
from moderation.web.render import render, see_other

PAGE = "/desk/rules"
FIELDS = {
    "blocked_emails": ("Blocked emails", "one address a line: their comments are rejected as spam"),
    "blocked_domains": ("Blocked email domains", "example.com blocks every address there"),
    "blocked_ips": ("Blocked IPs and networks", "an address or a CIDR network a line"),
    "disallowed_words": ("Disallowed words", "a comment with one is rejected as spam"),
    "moderation_words": ("Moderation words", "a comment with one waits for a moderator"),
}
MAX_FORM_CHARS = 1_000_000


def _typed(form: Any) -> dict[str, str]:
    values = {name: str(form.get(name, "")) for name in (*FIELDS, "max_links")}
    if sum(len(v) for v in values.values()) > MAX_FORM_CHARS or any(
        "\x00" in v for v in values.values()
    ):
        raise Problem(413, "Too large", "The rules are too large for one form.")
    return values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _errors_by_field(errors: list[dict[str, str]], values: dict[str, str]) -> dict[str, list[str]]:
    """ "blocked_emails.2: must be ..." as "line 3 (x@): must be ..." under its box."""
    out: dict[str, list[str]] = {}
    for err in errors:
        name, _, index = err["field"].partition(".")
        message = err["message"]
        if index.isdigit() and name in FIELDS:
            lines = _lines(values[name])
            at = int(index)
            shown = lines[at][:60] if at < len(lines) else ""
            message = f"line {at + 1} ({shown}): {message}"
        out.setdefault(name if name in (*FIELDS, "max_links") else "form", []).append(message)
    return out


async def _page(
    request: web.Request,
    session: sessions.DeskSession,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> web.StreamResponse:
    now = await site_rules.current(request.app, session.site)
    if values is None:
        values = {name: "\n".join(now[name]) for name in FIELDS}
        values["max_links"] = str(now["max_links"])
        values["version"] = str(now["version"])
    history = await site_rules.history(request.app, session.site)
    ctx = await context(
        request,
        session,
        "rules",
        fields=FIELDS,
        values=values,
        errors=errors or {},
        rules=now,
        history=history,
        honeypot=request.app[SETTINGS].honeypot_field,
        back=PAGE,
    )
    response = render(request, "rules.html", ctx)
    response.set_status(status)
    return response


async def rules_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, await admin_session(request))


async def rules_form(request: web.Request) -> web.StreamResponse:
    session = await admin_session(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    values = _typed(form)
    raw_version = str(form.get("version", ""))
    values["version"] = raw_version
    data: dict[str, Any] = {name: _lines(values[name]) for name in FIELDS}
    data["max_links"] = values["max_links"].strip() or None
    try:
        wanted = parse(RulesIn, data, {}).changes()
    except FieldErrors as exc:
        return await _page(request, session, values, _errors_by_field(exc.errors, values), 422)
    now = await site_rules.current(request.app, session.site)
    changed = {k: v for k, v in wanted.items() if v != now[k]}
    if not changed:
        await sessions.flash(request, session, {"kind": "ok", "text": "Nothing changed."})
        return see_other(PAGE)
    expected = int(raw_version) if raw_version.isdigit() and len(raw_version) < 19 else None
    try:
        done = await site_rules.replace(
            request.app, session.site, session.who.name, changed, expected
        )
    except Problem as exc:
        if exc.status != 409:
            raise
        return await _page(request, session, values, {"form": [exc.detail or exc.title]}, 409)
    names = ", ".join(FIELDS.get(k, ("Max links",))[0].lower() for k in sorted(changed))
    text = f"Saved version {done['version']} ({names}); in effect on every instance."
    await sessions.flash(request, session, {"kind": "ok", "text": text})
    return see_other(PAGE)
