"""Read replicas for real: a throwaway primary cluster and a streaming standby made from it
with pg_basebackup, using Debian's PostgreSQL binaries (/usr/lib/postgresql/*/bin).

Public page reads go to the standby while it keeps up; when its replay stops and
it falls behind more than `replica_max_lag_seconds`, or when it is down, they go
to the primary, and the page stays right. Skipped, saying why, where the
binaries are missing. Waits are generous time-outs, never timing assertions.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from moderation.keys import READS
from moderation.store import migrations
from moderation.store.replicas import Reads
from tests.server import free_port

pytestmark = pytest.mark.slow

WAIT = 60.0
ARTICLE = "replicated-story"


def _binaries() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    return found[-1].parent if found else None


BIN = _binaries()


@dataclass
class Clusters:
    bin: Path
    root: Path
    primary_port: int
    standby_port: int
    as_user: list[str]  # runuser prefix when we are root: PostgreSQL refuses to run as root

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.root,
        )

    def url(self, port: int, db: str = "moderation") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{db}"

    def start(self, name: str, port: int) -> None:
        self.run(
            "pg_ctl", "-D", str(self.root / name), "-l", str(self.root / f"{name}.log"), "-w",
            "-o", f"-p {port} -k {self.root}", "start",
        )  # fmt: skip

    def stop(self, name: str) -> None:
        self.run("pg_ctl", "-D", str(self.root / name), "-m", "immediate", "-w", "stop")


@pytest.fixture(scope="module")
def clusters() -> Iterator[Clusters]:
    if BIN is None or not (BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root and runuser(1) is missing")
        as_user = [runuser, "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="moderation-replica-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    c = Clusters(BIN, root, free_port(), free_port(), as_user)
    try:
        c.run("initdb", "-D", str(root / "primary"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (root / "primary" / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\nwal_level = replica\nmax_wal_senders = 4\n"
                "fsync = off\nsynchronous_commit = off\nshared_buffers = 32MB\n"
            )
        with (root / "primary" / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        c.start("primary", c.primary_port)
        c.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(c.primary_port), "-U", "postgres",
            "-D", str(root / "standby"), "-R", "-X", "stream",
        )  # fmt: skip
        c.start("standby", c.standby_port)
        yield c
    except subprocess.CalledProcessError as exc:
        logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in root.glob("*.log"))
        pytest.fail(f"{exc.cmd} failed: {exc.stderr.decode(errors='replace')}\n{logs}")
    finally:
        for name in ("standby", "primary"):
            if (root / name / "postmaster.pid").exists():
                subprocess.run(
                    [*as_user, str(BIN / "pg_ctl"), "-D", str(root / name), "-m", "immediate",
                     "stop"], capture_output=True, timeout=60, check=False,
                )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def primary_db(clusters: Clusters) -> str:
    """The service's database on the throwaway primary, migrated; the standby follows."""
    url = clusters.url(clusters.primary_port)

    async def make() -> None:
        admin = await asyncpg.connect(clusters.url(clusters.primary_port, "postgres"))
        try:
            await admin.execute("CREATE DATABASE moderation")
        finally:
            await admin.close()
        conn = await asyncpg.connect(url)
        try:
            await migrations.migrate(conn)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:  # its own loop: the tests' loops are per test
        pool.submit(asyncio.run, make()).result()
    return url


async def _until(check: Any) -> None:
    async with asyncio.timeout(WAIT):
        while not await check():  # noqa: ASYNC110 - polling another process
            await asyncio.sleep(0.1)


async def _approved(url: str, body: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(
            await conn.fetchval(
                """
                INSERT INTO comments (article, author_name, author_email, body, status)
                VALUES ($1, 'Reader', 'reader@example.com', $2, 'approved') RETURNING id
                """,
                ARTICLE,
                body,
            )
        )
    finally:
        await conn.close()


async def _page_ids(client: Any) -> list[int]:
    resp = await client.get(f"/v1/articles/{ARTICLE}/comments")
    assert resp.status == 200
    return [c["id"] for c in (await resp.json())["items"]]


@pytest.fixture
async def replicated(
    make_app_client: Any, make_settings: Any, clusters: Clusters, primary_db: str
) -> Any:
    settings = make_settings(
        database_url=primary_db,
        read_database_url=[clusters.url(clusters.standby_port)],
        replica_max_lag_seconds=2,
        replica_check_seconds=0.2,
        page_cache_entries=0,  # every view reads the database: the routing is what is tested
    )
    return await make_app_client(settings)


async def test_page_reads_go_to_a_replica_that_keeps_up_and_to_the_primary_when_it_lags(
    replicated, clusters
):
    reads: Reads = replicated.server.app[READS]
    replica = reads.replicas[0]
    first = await _approved(reads_url(clusters.primary_port), "first")
    written = time.monotonic()
    # A replica within the lag allowed may not hold the newest comment yet; this one
    # will, once it is known to hold everything written before `written`.
    await _until(lambda: _fit(reads, written))
    assert await _page_ids(replicated) == [first]
    assert replica.pool.get_size() > 0, "the page was not read from the replica"
    assert reads.pool_for() is replica.pool

    standby = await asyncpg.connect(clusters.url(clusters.standby_port))
    try:
        await standby.execute("SELECT pg_wal_replay_pause()")
        second = await _approved(reads_url(clusters.primary_port), "second")
        # Replay stopped: the replica falls behind, is set aside, and the page is right.
        await _until(lambda: _unfit(reads))
        assert await _page_ids(replicated) == [first, second]
        written = time.monotonic()
        await standby.execute("SELECT pg_wal_replay_resume()")
        await _until(lambda: _fit(reads, written))
        assert await _page_ids(replicated) == [first, second]
    finally:
        await standby.close()


def reads_url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/moderation"


async def _fit(reads: Reads, since: float | None = None) -> bool:
    return reads.pool_for(since) is not reads.primary


async def _unfit(reads: Reads) -> bool:
    return reads.pool_for() is reads.primary


async def test_a_replica_that_is_down_gives_way_to_the_primary(replicated, clusters):
    reads: Reads = replicated.server.app[READS]
    await _until(lambda: _fit(reads))
    before = await _page_ids(replicated)
    clusters.stop("standby")
    third = await _approved(reads_url(clusters.primary_port), "third")
    # Before any check notices, the failing read itself falls back; the checks then agree.
    assert await _page_ids(replicated) == [*before, third]
    await _until(lambda: _unfit(reads))
    assert not reads.replicas[0].up
    assert await _page_ids(replicated) == [*before, third]
