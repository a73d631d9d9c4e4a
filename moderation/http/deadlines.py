"""Every request body must arrive in time, on every route: 408 otherwise.

aiohttp has no read timeout for bodies: a client that sends the head and then
a byte now and then holds a handler (and a connection) for as long as it
likes. `http/requests.py` times the reads it does itself; this middleware
covers every route, pages included, whoever reads the body and however.

The clock starts when the request reaches the application, that is when its
head has arrived. When it runs out and the body has still not fully arrived,
the body's stream fails with `BodyTimeout` (a `TimeoutError`), which wakes a
handler waiting on it wherever it reads, and the answer is 408 with
`Connection: close` (a page for the pages, problem+json for the API). It must
be the innermost middleware: the pages' error middleware takes any
`TimeoutError` for a database outage. A handler that is busy with something else after the
body arrived is never interrupted: only the body's arrival is timed. The body
is not read here, so streaming handlers keep their own size limits. A stop's
drain (http/drain.py) runs the clock out early for bodies still arriving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from moderation.http.drain import DRAIN
from moderation.keys import SETTINGS
from moderation.problems import Problem

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BodyTimeout(TimeoutError):
    """The request body did not arrive within the body timeout."""


@web.middleware
async def body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    body = request.content
    if body.is_eof():  # no body, or all of it is here already
        return await handler(request)

    def expire() -> None:
        if not body.is_eof():
            body.set_exception(BodyTimeout())

    seconds = request.app[SETTINGS].body_timeout_seconds
    timer = asyncio.get_running_loop().call_later(seconds, expire)
    drain = request.app.get(DRAIN)  # only `moderation serve` drains
    if drain is not None:
        drain.arriving.add(expire)
    try:
        return await handler(request)
    except TimeoutError:
        if not isinstance(body.exception(), BodyTimeout):
            raise  # some other timeout (the database's): not ours to answer
        # Connection: close, as the rest of the body may still come: it is not a request.
        raise Problem(
            408,
            "Request timeout",
            "The request body did not arrive in time.",
            kind="timeout",
            headers={"Connection": "close"},
        ) from None
    finally:
        timer.cancel()
        if drain is not None:
            drain.arriving.discard(expire)
