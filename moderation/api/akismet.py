"""The Akismet-compatible API (REST API 1.1 and 1.2): form-encoded in, text/plain out.

Akismet's own paths, answers, headers and messages, so WordPress's Akismet
plugin and Akismet client libraries can point at this service. The key is the
`api_key` field (`key` for verify-key and get-stats; either is accepted
everywhere) or, as older clients send it, the first label of the host name
(`<key>.rest.example.com`, case-insensitive). Fields come from the form body
and, for GET requests, the query string.

Answers: a key problem is `invalid` with X-akismet-debug-help (and no guid); a
request Akismet refuses otherwise gets Akismet's message as its body (such as
`Missing required field: user_ip.`) with X-akismet-debug-help and
X-akismet-error; a revoked key adds X-akismet-alert-code and -msg. A success
never carries X-akismet-debug-help (clients read it as an error).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import orjson
from aiohttp import web

from moderation.http.requests import FORM_TYPES, read_limited
from moderation.intake import akismet as service
from moderation.intake import akismet_keys
from moderation.intake.akismet import KEYS
from moderation.intake.akismet_keys import Invalid, Site
from moderation.keys import POOL, SETTINGS
from moderation.ops import akismet_figures as figures
from moderation.ops.sites import directory
from moderation.review.akismet_reports import removed, report

Form = dict[str, str]
CONTEXT = re.compile(r"comment_context(?:\[(\d*)\])?")


def text(body: str, headers: dict[str, str] | None = None, status: int = 200) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/plain", charset="utf-8", headers=headers
    )


def json_text(doc: object) -> web.Response:
    return web.Response(body=orjson.dumps(doc), content_type="application/json")


def invalid(exc: Invalid) -> web.Response:
    headers = {"X-akismet-debug-help": exc.help}
    if not exc.key_problem:
        headers["X-akismet-error"] = exc.help
    if exc.alert:
        headers["X-akismet-alert-code"], headers["X-akismet-alert-msg"] = exc.alert
    return text(exc.body, headers)


async def read_fields(request: web.Request) -> tuple[web.Request, Form, list[str]]:
    """The fields (the first value of each wins, the body's before the query's) and the
    comment_context values (`comment_context[]`, or indexed `comment_context[N]` in order).

    Akismet requests may be larger than others: WordPress sends the comment twice
    (comment_content and POST_comment), percent-encoded, so its longest comment
    needs about 400 KB; the limit is MAX_AKISMET_REQUEST_BYTES for these paths."""
    request = request.clone(client_max_size=request.app[SETTINGS].akismet_max_request_bytes)
    pairs: list[tuple[str, str]] = []
    if request.method == "POST" and request.can_read_body:
        if request.content_type not in (*FORM_TYPES, ""):
            raise Invalid("Send the fields form-encoded (application/x-www-form-urlencoded).")
        try:
            form = await read_limited(request, request.post)
        except ValueError:
            raise Invalid("The form body cannot be read.") from None
        pairs += [(k, v) for k, v in form.items() if isinstance(v, str)]
    pairs += list(request.query.items())
    fields: Form = {}
    indexed: list[tuple[int, int, str]] = []
    for n, (name, value) in enumerate(pairs):
        m = CONTEXT.fullmatch(name)
        if m is not None:
            indexed.append((int(m.group(1)) if m.group(1) else 1 << 30, n, value))
        else:
            fields.setdefault(name, value)
    return request, fields, [v for _, _, v in sorted(indexed)]


def host_key(request: web.Request) -> str:
    """`<key>.rest.example.com`: the first label of the host name, as old clients send it."""
    host = request.host
    if host.startswith("["):
        return ""  # an IPv6 literal carries no key
    name = host.rsplit(":", 1)[0]
    if name.replace(".", "").isdigit():
        return ""  # nor does an IPv4 one
    first, dot, _ = name.partition(".")
    return first if dot else ""


def key_of(request: web.Request, form: Form, *names: str) -> str:
    for name in (*names, "api_key", "key"):
        if value := form.get(name, "").strip():
            return value
    return host_key(request)


async def site_of(
    request: web.Request, form: Form, *, blog: bool = True, names: tuple[str, ...] = ()
) -> Site:
    key = key_of(request, form, *names)
    app = request.app
    return await akismet_keys.key_site(
        app[POOL], key, form.get("blog", "") if blog else None, app.get(KEYS), directory(app)
    )


async def verify_key(request: web.Request) -> web.Response:
    try:
        request, form, _ = await read_fields(request)
        await site_of(request, form, names=("key",))
    except Invalid as exc:
        return invalid(exc)
    return text("valid")


async def comment_check(request: web.Request) -> web.Response:
    try:
        request, form, context = await read_fields(request)
        site = await site_of(request, form)
        check = service.parse_check(form, context, request.app[SETTINGS])
    except Invalid as exc:
        return invalid(exc)
    done = await service.comment_check(request.app, check, site)
    headers = {"X-akismet-guid": str(done.guid), "X-Moderation-Status": done.status.value}
    if done.answer.discard:
        headers["X-akismet-pro-tip"] = "discard"
    return text("true" if done.answer.spam else "false", headers)


async def _submit(request: web.Request, label: str) -> web.Response:
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form)
        if not form.get("user_ip", "").strip():
            raise akismet_keys.missing("user_ip")
    except Invalid as exc:
        return invalid(exc)
    await report(
        request.app,
        form,
        site=site.site,
        given_by=site.name,
        label=label,
        is_test=service.truthy(form.get("is_test")),
    )
    return text(service.THANKS)


async def submit_removed(request: web.Request) -> web.Response:
    """The WordPress bridge's report of a held comment trashed or deleted there (not an
    Akismet method): the held check `guid` names is rejected as removed."""
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False)
        if not form.get("guid", "").strip():
            raise akismet_keys.missing("guid")
    except Invalid as exc:
        return invalid(exc)
    await removed(
        request.app,
        form,
        site=site.site,
        given_by=site.name,
        is_test=service.truthy(form.get("is_test")),
    )
    return text(service.THANKS)


async def submit_spam(request: web.Request) -> web.Response:
    return await _submit(request, "spam")


async def submit_ham(request: web.Request) -> web.Response:
    return await _submit(request, "ham")


KEY_SITES_LIMIT = 500  # Akismet's default, as its documentation and the PyPI client say


def _int(form: Form, name: str, default: int, most: int) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise akismet_keys.bad_field(name, "is not a whole number")
    return min(int(raw), most)


async def usage_limit(request: web.Request) -> web.Response:
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False)
    except Invalid as exc:
        return invalid(exc)
    now = datetime.now(UTC)
    return json_text(await figures.usage_limit(request.app[POOL], site.site, now))


async def key_sites(request: web.Request) -> web.Response:
    """key-sites (and activity): a month's checks per site, as JSON or Akismet's CSV."""
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False)
        month = figures.month_bounds(form.get("month"), datetime.now(UTC))
        if month is None:
            raise akismet_keys.bad_field("month", "is not a month (YYYY-MM)")
        limit = _int(form, "limit", KEY_SITES_LIMIT, 1000)
        offset = _int(form, "offset", 0, 1 << 31)
    except Invalid as exc:
        return invalid(exc)
    order = form.get("order") or None
    doc = await figures.key_sites(
        request.app[POOL], site.site, month, order, limit, offset, form.get("filter", "")
    )
    if form.get("format", "json").strip().lower() == "csv":
        return text(figures.key_sites_csv(doc, month[0], site.name))
    return json_text(doc)


async def get_stats(request: web.Request) -> web.Response:
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False, names=("key",))
    except Invalid as exc:
        return invalid(exc)
    interval = form.get("from", "all").strip() or "all"
    return json_text(await figures.stats(request.app[POOL], site.site, interval, datetime.now(UTC)))


async def get_subscription(request: web.Request) -> web.Response:
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False, names=("key",))
    except Invalid as exc:
        return invalid(exc)
    return json_text(figures.subscription(site.name))


async def verify_wpcom_key(request: web.Request) -> web.Response:
    """Jetpack's key look-up: there are no WordPress.com accounts here, so a valid key
    is described as the self-hosted account it is; anything else is `invalid`."""
    try:
        request, form, _ = await read_fields(request)
        site = await site_of(request, form, blog=False)
    except Invalid as exc:
        return invalid(exc)
    return json_text({**figures.subscription(site.name), "valid": True})


async def unknown_method(request: web.Request) -> web.Response:
    """Any other /1.1/ or /1.2/ path: Akismet clients read plain text, never problem+json.
    A known method asked with the wrong HTTP method is a 405 naming the allowed ones."""
    path = request.path
    allowed = sorted(
        {
            route.method
            for route in request.app.router.routes()
            if route.resource is not None
            and route.resource.canonical == path
            and route.handler is not unknown_method
        }
    )
    if allowed:
        help_text = f"{path} is called with {' or '.join(allowed)}."
        headers = {"X-akismet-debug-help": help_text, "Allow": ", ".join(allowed)}
        return text(help_text, headers, status=405)
    help_text = (
        "Unknown method. The API's methods are verify-key, comment-check, submit-spam and "
        "submit-ham (/1.1/), usage-limit and key-sites (/1.2/)."
    )
    return text(f"Unknown method: {path[:100]}", {"X-akismet-debug-help": help_text}, 404)


async def test(request: web.Request) -> web.Response:
    """The Akismet plugin's connectivity test."""
    return text("connected")
