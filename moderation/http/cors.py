"""CORS for the public JSON endpoints: a site's own pages may call them from script.

The embed page needs none (it is the service's own page in an iframe); a site that
posts comments or reads threads from its article page's script does. An origin is
allowed when the installation's `MODERATION_ALLOWED_ORIGINS` or some site's origins
(issue 13) list it; then the answer, errors included, carries
`Access-Control-Allow-Origin` for it, and a preflight (OPTIONS) is answered here.
No credentials: the public endpoints use no cookies across sites. Every other path
(the desk, admin and moderator APIs, Akismet) sends no CORS headers at all.
"""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.typedefs import Handler

from moderation.keys import POOL, SETTINGS
from moderation.ops.sites import directory, origin_of
from moderation.problems import Problem

PUBLIC = re.compile(r"^/v1/(comments|articles/[^/]+/comments|comments/[^/]+/flags)$")
METHODS = "GET, POST"
HEADERS = "Content-Type, Idempotency-Key"
EXPOSED = "Location, Retry-After, ETag"
MAX_AGE = "600"


async def allowed(request: web.Request, origin: str) -> bool:
    normal = origin_of(origin)
    if normal is None:
        return False
    if normal in {origin_of(o) for o in request.app[SETTINGS].allowed_origins}:
        return True
    return await directory(request.app).has_origin(request.app[POOL], normal)


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    origin = request.headers.get("Origin")
    if origin is None or not PUBLIC.match(request.path):
        return await handler(request)
    ok = await allowed(request, origin)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        if not ok:
            refused = Problem(403, "Origin not allowed", f"{origin} is not a site's origin.")
            return refused.response()
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": METHODS,
                "Access-Control-Allow-Headers": HEADERS,
                "Access-Control-Max-Age": MAX_AGE,
                "Vary": "Origin",
            },
        )
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect (errors are answers by now: errors.py)
        if ok:
            _allow(exc, origin)
        raise
    if ok:
        _allow(response, origin)
    return response


def _allow(response: web.StreamResponse, origin: str) -> None:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    response.headers.add("Vary", "Origin")
