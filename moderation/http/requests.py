"""Reading requests: bodies by content type, the client's address, ids and parameters."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError

from moderation.domain import Comment
from moderation.http.schemas import ID_MAX, CommentIn
from moderation.keys import SETTINGS
from moderation.problems import FieldErrors, Problem, field_errors_from

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPES = ("application/json",)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def is_form(request: web.Request) -> bool:
    return request.content_type in FORM_TYPES


async def read_limited(request: web.Request, read: Callable[[], Awaitable[T]]) -> T:
    """Read the body within the limits: 413 before reading a too-long Content-Length, 408
    when it does not arrive in time (aiohttp itself stops at client_max_size bytes)."""
    limit = request.client_max_size
    if request.content_length is not None and request.content_length > limit:
        raise Problem(
            413, "Request too large", f"The request body is over the limit of {limit} bytes."
        )
    try:
        async with asyncio.timeout(request.app[SETTINGS].body_timeout_seconds):
            return await read()
    except TimeoutError:
        raise Problem(
            408,
            "Request timeout",
            "The request body did not arrive in time.",
            kind="timeout",
            headers={"Connection": "close"},
        ) from None


async def read_payload(request: web.Request) -> dict[str, Any]:
    """The body as a dict, from JSON or a form; 400/408/413/415 for what cannot be read."""
    ctype = request.content_type
    if ctype in JSON_TYPES or ctype.endswith("+json"):
        raw = await read_limited(request, request.read)
        if not raw.strip():
            raise Problem(400, "Malformed request", "The request body is empty.")
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise Problem(400, "Malformed request", "The JSON body must be an object.")
        return data
    if ctype in FORM_TYPES:
        try:
            form = await read_limited(request, request.post)
        except ValueError as exc:
            raise Problem(400, "Malformed form", f"The form body cannot be read: {exc}") from None
        out: dict[str, Any] = {}
        for key, value in form.items():
            if not isinstance(value, str):
                raise Problem(400, "Malformed form", f"Field {key!r} must not be a file.")
            out.setdefault(key, value)  # the first value wins, as PHP's last-wins would surprise
        return out
    raise Problem(
        415,
        "Unsupported media type",
        f"Send application/json or an HTML form, not {ctype or 'no content type'}.",
        headers={"Accept-Post": "application/json, application/x-www-form-urlencoded"},
    )


def parse(model: type[M], data: dict[str, Any], context: dict[str, Any]) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise FieldErrors(field_errors_from(exc)) from None


def client_ip(request: web.Request, trusted: Sequence[Network]) -> IPAddress | None:
    """The peer, or the nearest untrusted address in X-Forwarded-For behind trusted proxies."""
    peer = _ip(request.remote)
    if peer is None or not _within(peer, trusted):
        return peer
    forwarded = request.headers.getall("X-Forwarded-For", [])
    hops = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    # Walk from the nearest hop outwards; the first address we do not trust is the client.
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return peer  # a garbled header is not evidence of anything
        if not _within(ip, trusted):
            return ip
    return _ip(hops[0]) if hops else peer


def _ip(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped  # dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d
    return ip


def _within(ip: IPAddress, nets: Sequence[Network]) -> bool:
    return any(ip.version == n.version and ip in n for n in nets)


# A route's id segment (api/routes.py, web/routes.py): digits, so that another word is
# another path; the handler finishes the check with is_id (or path_id).
ID_SEGMENT = "{id:\\d+}"
_ID_MAX_DIGITS = len(str(ID_MAX))


def is_id(raw: str) -> bool:
    """The one id check of a path, query or form: decimal digits up to ID_MAX (ids are
    PostgreSQL bigints, as the API's schemas and /openapi.json say); a larger number
    names nothing."""
    return raw.isdecimal() and len(raw) <= _ID_MAX_DIGITS and int(raw) <= ID_MAX


def path_id(raw: str, what: str = "comment") -> int:
    """An id from the path; 404 for anything that cannot name one."""
    if not is_id(raw):
        raise Problem(404, "Not found", f"There is no {what} {raw!r}.")
    return int(raw)


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FieldErrors(
            [{"field": name, "message": "must be a whole number"}], "Invalid query"
        ) from None
    if not low <= value <= high:
        raise FieldErrors(
            [{"field": name, "message": f"must be between {low} and {high}"}], "Invalid query"
        )
    return value


def float_param(query: Mapping[str, str], name: str, low: float, high: float) -> float | None:
    """A number from the query string within [low, high]; None when absent; 422 otherwise."""
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses NaN
        raise FieldErrors(
            [{"field": name, "message": f"must be a number from {low:g} to {high:g}"}],
            "Invalid query",
        )
    return value


def comment_from(
    request: web.Request,
    incoming: CommentIn,
    data: Mapping[str, Any],
    ip: IPAddress | None,
) -> Comment:
    """A validated submission plus what the request tells about its sender."""
    honeypot = data.get(request.app[SETTINGS].honeypot_field)
    return Comment(
        article=incoming.article,
        name=incoming.name,
        email=incoming.email,
        body=incoming.body,
        url=incoming.url,
        parent_id=incoming.parent_id,
        client_ip=ip,
        user_agent=request.headers.get("User-Agent", "")[:512] or None,
        referrer=request.headers.get("Referer", "")[:2048] or None,
        honeypot=str(honeypot) if honeypot else None,
        article_title=incoming.article_title,
        article_url=incoming.article_url,
        site=incoming.site,
    )


def peer_within(request: web.Request, nets: Sequence[Network]) -> bool:
    """Whether the direct peer is in one of `nets` (IPv4-mapped addresses count as IPv4)."""
    peer = _ip(request.remote)
    return peer is not None and _within(peer, nets)
