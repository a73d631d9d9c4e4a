"""One client must not be able to take the service down by holding connections open.

Issue 12, item 1: partial requests were never timed out, one client could hold
thousands of connections, and with `ulimit -n 1024` every other request then
failed; a slow body on `POST /desk/login` got no 408. The attacking connections
come from 127.0.0.2 (all of 127/8 is the loopback interface on Linux) and the
well-behaved client from 127.0.0.1, so the service tells them apart as it
would two hosts.
"""

from __future__ import annotations

import asyncio
import resource
from itertools import count
from pathlib import Path

import aiohttp
import pytest

from tests.adversarial.conftest import REQUEST_TIMEOUT, serving
from tests.serving import Service, until

pytestmark = pytest.mark.slow

ATTACKER = "127.0.0.2"
PARTIAL_HEAD = b"POST /desk/login HTTP/1.1\r\nHost: moderation.example\r\nUser-Agent: slow"
CLOSE_DEADLINE = 60.0  # generous: the service's own time-outs in these tests are 1-2 s

_serial = count(1)


def _comment() -> dict[str, str]:
    n = next(_serial)
    return {
        "article": "patch-tuesday-roundup",
        "name": "Ines Moreau",
        "email": f"ines.{n}@example.net",
        "body": f"Thanks, clear explanation of the patch timeline. (#{n})",
    }


def _enough_open_files(n: int) -> None:
    """This process holds `n` sockets: raise its soft limit if it is lower (`ulimit -n`)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    if hard != resource.RLIM_INFINITY and hard < n:
        pytest.skip(f"needs {n} open files; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


class Held:
    """A connection from the attacker's address that sent part of a request head."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.answer = b""
        self.closed = asyncio.Event()
        self._watch = asyncio.create_task(self._read_until_closed())

    @classmethod
    async def open(cls, port: int, head: bytes = PARTIAL_HEAD, source: str = ATTACKER) -> Held:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        writer.write(head)
        await writer.drain()
        return cls(reader, writer)

    async def _read_until_closed(self) -> None:
        try:
            while chunk := await self.reader.read(65536):
                self.answer += chunk
        except OSError:
            pass  # reset by the service: closed all the same
        self.closed.set()

    @property
    def refused(self) -> bool:
        return self.answer.startswith(b"HTTP/1.1 429 ")

    def close(self) -> None:
        self._watch.cancel()
        self.writer.close()


async def _hold(port: int, n: int, source: str = ATTACKER) -> tuple[list[Held], list[str]]:
    """Open `n` partial connections, 100 at a time; those opened, and why others failed."""
    held: list[Held] = []
    failed: list[str] = []
    gate = asyncio.Semaphore(100)

    async def one() -> None:
        async with gate:
            try:
                held.append(await asyncio.wait_for(Held.open(port, source=source), 30))
            except (OSError, TimeoutError) as exc:
                failed.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(one() for _ in range(n)))
    return held, failed


async def _answers_normally(session: aiohttp.ClientSession, service: Service) -> None:
    """A well-behaved client from another address gets its answers (or the test fails)."""
    async with session.get(service.base_url + "/healthz") as resp:
        assert resp.status == 200, await resp.text()
    async with session.get(service.base_url + "/readyz") as resp:
        assert resp.status == 200, await resp.text()
    async with session.post(service.base_url + "/v1/comments", json=_comment()) as resp:
        assert resp.status in (201, 202), await resp.text()
    async with session.get(service.base_url + "/desk/login") as resp:
        assert resp.status == 200, await resp.text()


async def test_2000_partial_connections_from_one_client_leave_the_service_answering_others(
    database_url: str, data_dir: Path, tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    attackers = 2000
    _enough_open_files(attackers + 512)
    # The limit the attack met: 1 024 file descriptors for the whole process.
    async with serving(
        database_url,
        data_dir,
        tmp_path / "serve.log",
        open_files=1024,
        MODERATION_MAX_CONNECTIONS_PER_CLIENT="50",
        MODERATION_KEEPALIVE_TIMEOUT_SECONDS="20",
    ) as service:
        held, failed = await _hold(service.port, attackers)
        try:
            assert failed == [], failed[:5]
            # While all of them are held open from the client's side:
            for _ in range(3):
                await _answers_normally(session, service)

            # The service refused all but its cap at once...
            async def refused() -> bool:
                return sum(h.refused for h in held) >= attackers - 50

            await until(refused, CLOSE_DEADLINE, "connections over the cap are refused with 429")
            kept = [h for h in held if not h.refused]
            assert len(kept) <= 50
            assert all(b"Retry-After: " in h.answer for h in held if h.refused)
            # ...and closes the rest when their head does not arrive in time.
            await asyncio.wait_for(asyncio.gather(*(h.closed.wait() for h in kept)), CLOSE_DEADLINE)
            assert all(h.answer == b"" for h in kept), "a partial head gets no answer"
            await _answers_normally(session, service)
        finally:
            for h in held:
                h.close()
        assert await service.stop() == 0, service.stderr()


async def test_idle_and_half_sent_heads_are_closed_after_the_keepalive_timeout(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    async with serving(
        database_url,
        data_dir,
        tmp_path / "serve.log",
        MODERATION_KEEPALIVE_TIMEOUT_SECONDS="1",
    ) as service:
        silent = await Held.open(service.port, b"")
        partial = await Held.open(service.port)
        # A whole request, answered with keep-alive, and then nothing more.
        after_answer = await Held.open(
            service.port, b"GET /healthz HTTP/1.1\r\nHost: moderation.example\r\n\r\n"
        )
        trickle = await Held.open(service.port, b"GET /healthz HTTP/1.1\r\n")
        try:
            # A head that keeps coming, a byte at a time, is closed all the same.
            for _ in range(100):
                if trickle.closed.is_set():
                    break
                trickle.writer.write(b"X")
                await asyncio.sleep(0.2)
            for h in (silent, partial, after_answer, trickle):
                await asyncio.wait_for(h.closed.wait(), CLOSE_DEADLINE)
            assert after_answer.answer.startswith(b"HTTP/1.1 200 "), after_answer.answer
            assert (silent.answer, partial.answer, trickle.answer) == (b"", b"", b"")
        finally:
            for h in (silent, partial, after_answer, trickle):
                h.close()


SLOW_BODIES = (
    ("/desk/login", "application/x-www-form-urlencoded"),
    ("/v1/comments", "application/json"),
    ("/1.1/comment-check", "application/x-www-form-urlencoded"),
)


async def test_a_body_that_stops_half_way_is_answered_408_and_closed_on_every_route(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    async with serving(
        database_url, data_dir, tmp_path / "serve.log", MODERATION_BODY_TIMEOUT_SECONDS="1"
    ) as service:
        slow = []
        for path, ctype in SLOW_BODIES:
            head = (
                f"POST {path} HTTP/1.1\r\nHost: moderation.example\r\n"
                f"Content-Type: {ctype}\r\nContent-Length: 200\r\n\r\n"
            ).encode()
            slow.append(await Held.open(service.port, head + b"token=abc&csrf=", "127.0.0.1"))
        try:
            await asyncio.wait_for(asyncio.gather(*(h.closed.wait() for h in slow)), CLOSE_DEADLINE)
        finally:
            for h in slow:
                h.close()
    for (path, _), h in zip(SLOW_BODIES, slow, strict=True):
        status_line, _, rest = h.answer.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 408 Request Timeout", (path, h.answer)
        assert b"Connection: close" in rest, (path, h.answer)


async def test_connections_over_the_cap_are_refused_but_trusted_proxies_are_not_counted(
    database_url: str, data_dir: Path, tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    proxy = "127.0.0.3"
    async with serving(
        database_url,
        data_dir,
        tmp_path / "serve.log",
        MODERATION_MAX_CONNECTIONS_PER_CLIENT="5",
        MODERATION_TRUSTED_PROXIES=f"{proxy}/32",
    ) as service:
        client, _ = await _hold(service.port, 8)
        behind_proxy, _ = await _hold(service.port, 20, source=proxy)
        try:

            async def settled() -> bool:
                return sum(h.refused for h in client) == 3

            await until(settled, REQUEST_TIMEOUT, "3 of 8 connections are refused")
            assert not any(h.refused or h.closed.is_set() for h in behind_proxy)
            refused = next(h for h in client if h.refused)
            assert b"application/problem+json" in refused.answer, refused.answer
            assert b'"status":429' in refused.answer, refused.answer
            # A connection that closes frees its place for the next one.
            for h in [h for h in client if not h.refused][:2]:
                h.writer.close()

            async def freed() -> bool:
                again, _ = await _hold(service.port, 2)
                await asyncio.sleep(0.5)  # a refusal is written as soon as one is accepted
                admitted = len(again) == 2 and not any(h.refused for h in again)
                for h in again:
                    h.close()
                return admitted

            # The service notices the closes a moment later: ask until it has.
            await until(freed, CLOSE_DEADLINE, "closed connections free their places")
        finally:
            for h in client + behind_proxy:
                h.close()
        await _answers_normally(session, service)
