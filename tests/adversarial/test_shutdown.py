"""A stop drains in seconds, and tells keep-alive clients to go (issue 12, item 11).

Before, a stop with a client stalled half-way through a body took 21 s (a 10 s
drain, then aiohttp's 10 s shutdown), and keep-alive connections were served
during the drain without `Connection: close`, so their clients kept sending
requests there until the final close cut one off. How long a stop takes is
measured by bench/shutdown.py; here the process must only exit within a
generous time-out while the client stalls.
"""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.adversarial.conftest import REQUEST_TIMEOUT, serving
from tests.serving import Service, until

pytestmark = pytest.mark.slow

# Generous: the stop takes about MODERATION_DRAIN_SECONDS (5 s) with the stalled client.
EXIT_DEADLINE = 15.0
STALLED_HEAD = (
    b"POST /v1/comments HTTP/1.1\r\nHost: moderation.example\r\n"
    b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    b'{"article": "patch-tuesday-roundup", '
)


async def _answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer with a Content-Length: status, headers (lower-case), body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in filter(None, lines):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split(" ", 2)[1]), headers, body


async def _get(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str
) -> tuple[int, dict[str, str], bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: moderation.example\r\n\r\n".encode())
    await writer.drain()
    return await _answer(reader)


async def _in_flight(session: aiohttp.ClientSession, service: Service) -> int:
    """The service's own count of requests in flight, less the one asking."""
    async with session.get(service.base_url + "/metrics") as resp:
        text = await resp.text()
    found = re.search(r"^moderation_http_requests_in_flight (\S+)$", text, re.M)
    assert found is not None, text
    return int(float(found.group(1))) - 1


async def _refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    writer.close()
    return False


async def test_a_stop_closes_keep_alive_connections_and_does_not_wait_for_a_stalled_body(
    database_url: str, data_dir: Path, tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with serving(database_url, data_dir, tmp_path / "serve.log") as service:
        kept_reader, kept = await asyncio.open_connection("127.0.0.1", service.port)
        stalled_reader, stalled = await asyncio.open_connection("127.0.0.1", service.port)
        try:
            status, headers, _ = await _get(kept_reader, kept, "/healthz")
            assert status == 200 and headers.get("connection", "") != "close", headers

            stalled.write(STALLED_HEAD)  # and never the rest
            await stalled.drain()

            async def waiting_for_its_body() -> bool:
                return await _in_flight(session, service) == 1

            await until(waiting_for_its_body, 30, "the stalled request is in its handler")
            service.process.send_signal(signal.SIGTERM)

            async def refusing() -> bool:
                return await _refused(service.port)

            await until(refusing, 30, "new connections are refused once the stop begins")

            # The drain waits for the stalled request; a keep-alive client asking
            # meanwhile is answered, told to go, and its connection closed after it.
            status, headers, _ = await _get(kept_reader, kept, "/healthz")
            assert status == 200
            assert headers.get("connection", "").lower() == "close", headers
            assert await asyncio.wait_for(kept_reader.read(), REQUEST_TIMEOUT) == b""

            try:
                code = await asyncio.wait_for(service.process.wait(), EXIT_DEADLINE)
            except TimeoutError:
                pytest.fail(f"running {EXIT_DEADLINE:.0f} s after SIGTERM:\n{service.stderr()}")
            assert code == 0, service.stderr()
            # The stalled client is answered, not cut off: its body did not arrive in time.
            answer = await asyncio.wait_for(stalled_reader.read(), REQUEST_TIMEOUT)
            assert answer.startswith(b"HTTP/1.1 408 "), answer
            assert b"connection: close" in answer.lower(), answer
        finally:
            kept.close()
            stalled.close()
