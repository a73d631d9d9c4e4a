"""A cap on open connections per client address, for the server `moderation serve` runs.

aiohttp times out connections that never finish a request head (its keep-alive
timer starts when a connection opens and after each answer) but counts nothing
per peer, so one client could open connections until the process ran out of
file descriptors and every other client was refused. The cap is enforced where
a connection is first known: the protocol factory that the listening socket
calls. A connection over the cap is answered 429 and closed before aiohttp
ever sees it; the others are handed to aiohttp's own protocol unchanged.

The count is by the TCP peer's address, per process. Connections from trusted
proxies are not counted: every client behind the proxy shares its address, and
the proxy enforces its own limits.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Callable, Sequence
from typing import cast

import orjson

from moderation.problems import PROBLEM_CONTENT_TYPE, Problem

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
RETRY_AFTER_SECONDS = 5
REFUSE_GRACE_SECONDS = 0.5


def _refusal() -> bytes:
    body = orjson.dumps(
        Problem(
            429,
            "Too many connections",
            "This address has too many open connections; close some and try again.",
        ).body()
    )
    head = (
        "HTTP/1.1 429 Too Many Requests\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Retry-After: {RETRY_AFTER_SECONDS}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


REFUSAL = _refusal()


class ConnectionCap:
    """Open connections by client address; `admit` says whether one more may stay."""

    def __init__(self, per_client: int, trusted: Sequence[Network] = ()) -> None:
        self.per_client = per_client  # 0: no cap
        self.trusted = tuple(trusted)
        self.open: Counter[str] = Counter()
        self.refused = 0

    def _counted(self, host: str) -> bool:
        if not self.per_client:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:  # not an IP peer (a Unix socket): nothing to count by
            return False
        return not any(address in net for net in self.trusted)

    def admit(self, host: str) -> bool:
        if not self._counted(host):
            return True
        if self.open[host] >= self.per_client:
            self.refused += 1
            return False
        self.open[host] += 1
        return True

    def release(self, host: str) -> None:
        if not self._counted(host):
            return
        self.open[host] -= 1
        if self.open[host] <= 0:
            del self.open[host]

    def guard(self, factory: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        """A protocol factory for `loop.create_server` that applies the cap to `factory`'s."""
        return lambda: _Capped(self, factory)


class _Capped(asyncio.Protocol):
    """Admits the connection and passes every event on to the inner protocol, or refuses it.

    The inner protocol (aiohttp's RequestHandler) is made only for an admitted
    connection, so a refused one costs no task and no parser.
    """

    __slots__ = ("_cap", "_factory", "_host", "_inner", "_refused")

    def __init__(self, cap: ConnectionCap, factory: Callable[[], asyncio.Protocol]) -> None:
        self._cap = cap
        self._factory = factory
        self._inner: asyncio.Protocol | None = None
        self._refused: asyncio.BaseTransport | None = None
        self._host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        host = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if not self._cap.admit(host):
            self._refuse(transport)
            return
        self._host = host
        self._inner = self._factory()
        self._inner.connection_made(transport)

    def _refuse(self, transport: asyncio.BaseTransport) -> None:
        """Answer 429, then close once the client's first bytes are read (or soon anyway).

        Closing a socket with unread bytes sends a reset, and a client that has
        sent its request would lose the answer; the refused connection is held
        for at most REFUSE_GRACE_SECONDS, uncounted.
        """
        cast(asyncio.Transport, transport).write(REFUSAL)  # uvloop's is not a subclass
        self._refused = transport
        asyncio.get_running_loop().call_later(REFUSE_GRACE_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)
        elif self._refused is not None:
            self._refused.close()  # what was sent is read: the close is a clean one

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            self._cap.release(self._host)
            inner.connection_lost(exc)
