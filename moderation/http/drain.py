"""The drain of a stop: what the server tells clients between SIGTERM and its exit.

`moderation serve` stops listening at once, then lets the requests in flight
finish (cli/serve.py). Meanwhile a keep-alive client may still send requests on
a connection it already has: each is answered, with `Connection: close`, and
the connection is closed after the answer, so the client reconnects elsewhere
instead of losing its next request to the final close. A request whose body is
still arriving when the drain ends gets its 408 at once (http/deadlines.py
registers those bodies here), not a dropped connection after aiohttp's
shutdown time-out.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web


class Drain:
    """Whether the server drains, and the bodies that are still arriving."""

    def __init__(self) -> None:
        self.draining = False
        self.arriving: set[Callable[[], None]] = set()  # each fails its body with a 408

    def begin(self) -> None:
        self.draining = True

    def end(self) -> None:
        """Time is up for bodies that have not arrived: their handlers answer 408."""
        for expire in list(self.arriving):
            expire()

    async def on_response_prepare(self, _: web.Request, response: web.StreamResponse) -> None:
        if self.draining:
            # aiohttp has chosen the Connection header by now (the hook runs after it),
            # so both: the header for the client, force_close so aiohttp closes after it.
            response.force_close()
            response.headers["Connection"] = "close"


DRAIN = web.AppKey("drain", Drain)


def install(app: web.Application) -> Drain:
    """Give `app` a drain (before it starts: its signals are frozen then)."""
    drain = app[DRAIN] = Drain()
    app.on_response_prepare.append(drain.on_response_prepare)
    return drain
