"""The Akismet-compatible API (REST API 1.1): form-encoded in, text/plain out.

Akismet's own paths and answers, so WordPress and Akismet client libraries
can point at this service. The API key is the `api_key` field (`key` for
verify-key) or, as Akismet's older clients send it, the first label of the
host name (`<key>.rest.example.com`). A wrong request is answered `invalid`
with an X-akismet-debug-help header, as Akismet does.
"""

from __future__ import annotations

import ipaddress
import uuid

from aiohttp import web

from moderation.http.requests import FORM_TYPES, read_limited
from moderation.intake import akismet as service
from moderation.intake.akismet import Invalid, Site
from moderation.keys import POOL, SETTINGS

Form = dict[str, str]


def text(body: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=body, content_type="text/plain", charset="utf-8", headers=headers)


def invalid(exc: Invalid, headers: dict[str, str] | None = None) -> web.Response:
    return text("invalid", {**(headers or {}), "X-akismet-debug-help": exc.help})


async def read_form(request: web.Request) -> tuple[Form, list[str]]:
    """The fields (the first value of each wins) and the comment_context[] values."""
    if request.content_type not in (*FORM_TYPES, ""):
        raise Invalid("Send the fields form-encoded (application/x-www-form-urlencoded).")
    try:
        form = await read_limited(request, request.post)
    except ValueError:
        raise Invalid("The form body cannot be read.") from None
    fields: Form = {}
    for name, value in form.items():
        if isinstance(value, str):
            fields.setdefault(name, value)
    context = [
        v
        for name in ("comment_context[]", "comment_context")
        for v in form.getall(name, [])
        if isinstance(v, str)
    ]
    return fields, context


def host_key(request: web.Request) -> str:
    """`<key>.rest.example.com`: the first label of the host name, as old clients send it."""
    host = request.host
    if host.startswith("["):
        return ""  # an IPv6 literal carries no key
    name = host.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(name)
        return ""  # nor does an IPv4 one
    except ValueError:
        pass
    first, dot, _ = name.partition(".")
    return first if dot else ""


async def site_of(request: web.Request, form: Form, key_field: str = "api_key") -> Site:
    key = form.get(key_field, "").strip() or host_key(request)
    return await service.key_site(request.app[POOL], key, form.get("blog", ""))


async def verify_key(request: web.Request) -> web.Response:
    try:
        form, _ = await read_form(request)
        await site_of(request, form, "key" if form.get("key") else "api_key")
    except Invalid as exc:
        return invalid(exc)
    return text("valid")


async def comment_check(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    try:
        form, context = await read_form(request)
        site = await site_of(request, form)
        check = service.parse_check(form, context, site, settings)
    except Invalid as exc:
        return invalid(exc, {"X-akismet-guid": str(uuid.uuid4())})
    done = await service.comment_check(request.app, check, site)
    headers = {"X-akismet-guid": str(done.guid)}
    if done.answer.discard:
        headers["X-akismet-pro-tip"] = "discard"
    return text("true" if done.answer.spam else "false", headers)


async def _submit(request: web.Request, label: str) -> web.Response:
    try:
        form, _ = await read_form(request)
        site = await site_of(request, form)
        if not form.get("user_ip", "").strip():
            raise Invalid('Empty "user_ip" value: send the commenter\'s IP address.')
    except Invalid as exc:
        return invalid(exc)
    await service.submit_label(request.app[POOL], form, site, label, request.app[SETTINGS])
    return text(service.THANKS)


async def submit_spam(request: web.Request) -> web.Response:
    return await _submit(request, "spam")


async def submit_ham(request: web.Request) -> web.Response:
    return await _submit(request, "ham")
