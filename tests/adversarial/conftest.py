"""The service as an attacker meets it: `moderation serve` started by its command line.

Each test starts its own process (tests/server.py makes the command line and the
environment) against the session's database, with the settings it needs, and
talks to it over real sockets. Waits are bounded and generous; no test asserts
how long anything took.

Also: a small real model, and a copy of it that cannot score (test_models.py).
"""

from __future__ import annotations

import asyncio
import copy
import resource
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import numpy as np
import pytest

from moderation.classifier import persist
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import train
from moderation.ops.access import create_token
from moderation.store import migrations
from tests.server import NO_GUARDS, environment, free_port
from tests.serving import Service
from tests.serving import serving as shared_serving
from tests.unit.conftest import HELDOUT, _examples

REQUEST_TIMEOUT = 10.0  # an answer that takes longer than this counts as none


def _open_files_limit(n: int) -> Callable[[], None]:
    def limit() -> None:  # runs in the child, before exec
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    return limit


@asynccontextmanager
async def serving(
    database_url: str,
    data_dir: Path,
    log: Path,
    open_files: int | None = None,
    **settings: str,
) -> AsyncIterator[Service]:
    """`moderation serve` on a free port, ready; killed if a test leaves it running.

    `open_files` sets the process's soft and hard limit on file descriptors (as a
    small container or `ulimit -n` does); `settings` are MODERATION_* variables.
    """
    env = environment(data_dir, database_url, MODERATION_POOL_MIN_SIZE="1", **NO_GUARDS)
    env.update(settings)
    # One process: the per-client cap is counted per process, and `auto` would spread
    # the attack over as many processes as the machine has cores.
    limit = _open_files_limit(open_files) if open_files else None
    async with shared_serving(env, log, workers=1, preexec_fn=limit) as service:
        yield service


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as s:
        yield s


class DatabaseLink:
    """A TCP relay between the service and PostgreSQL that a test can cut and restore.

    Cut, it drops every relayed connection and refuses new ones, as a database
    host that went away does; the real PostgreSQL (shared by the whole test run)
    never notices.
    """

    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.port = free_port()
        self.url = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{self.port}"))
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.transport.abort()
                self._open.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def database_link(database_url: str) -> AsyncIterator[DatabaseLink]:
    link = DatabaseLink(database_url)
    await link.up()
    try:
        yield link
    finally:
        if link._server is not None:
            await link.down()


@pytest.fixture(scope="session")
def small_model() -> TrainedModel:
    return train(_examples(), holdout_fraction=0, heldout=HELDOUT, description="adversarial")


def with_nan_weights(model: TrainedModel, version: str) -> TrainedModel:
    """The same model with NaN coefficients: every type in it is still a trusted one."""
    pipeline = copy.deepcopy(model.pipeline)
    inner = pipeline.named_steps["clf"].calibrated_classifiers_[0].estimator
    inner.coef_ = np.full_like(inner.coef_, np.nan)
    return TrainedModel(pipeline, model.thresholds, {**model.metadata, "version": version})


@pytest.fixture(scope="session")
def nan_artifact(small_model: TrainedModel) -> bytes:
    return persist.dumps(with_nan_weights(small_model, "nan-weights"))


@pytest.fixture
async def own_db(fresh_database: Any) -> str:
    """A database of the test's own: these tests change the model registry."""
    url = str(fresh_database("adversarial"))
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
    finally:
        await conn.close()
    return url


async def admin_headers(url: str, name: str = "root") -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        secret, _ = await create_token(conn, name, "admin")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {secret}"}
