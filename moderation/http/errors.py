"""One error format for every endpoint: `application/problem+json` (RFC 9457).

Handlers and services raise `Problem` (moderation/problems.py); the middleware
here turns it, aiohttp's own HTTP errors and database outages into the same
JSON shape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from moderation.ops import redact
from moderation.problems import DATABASE_DOWN, NUL_IN_TEXT, Problem, unavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Problem as exc:
        return exc.response()
    except web.HTTPRequestEntityTooLarge:
        limit = request.client_max_size
        return Problem(
            413, "Request too large", f"The request body is over the limit of {limit} bytes."
        ).response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return Problem(exc.status, exc.reason, headers=_keep_headers(exc)).response()
    except NUL_IN_TEXT:
        return Problem(
            400, "Malformed request", "The request contains a NUL character (U+0000)."
        ).response()
    except DATABASE_DOWN as exc:
        log.warning("database unavailable: %s", type(exc).__name__)
        return unavailable().response()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        # Never the message: a database error's carries the failing row (email, IP, ...).
        resource = request.match_info.route.resource
        log.error(
            "unhandled error on %s %s: %s\n%s",
            request.method,
            resource.canonical if resource is not None else "(no route)",  # paths hold emails
            redact.summary(exc),
            redact.redacted_traceback(exc),
        )
        return Problem(500, "Internal server error").response()


def _keep_headers(exc: web.HTTPException) -> dict[str, str]:
    keep = {}
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in exc.headers:
            keep[name] = exc.headers[name]
    return keep
