"""What the benchmarks share: a throw-away database, one-line errors, percentiles."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class BenchError(Exception):
    """A problem worth one clear line, not a traceback."""


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise BenchError(f"the database URL names no database: {url}")
    if "bench" not in name:
        raise BenchError(
            f"refusing to drop and re-create {name!r}: the benchmark database's name "
            "must contain 'bench'"
        )
    return name


async def recreate_database(url: str) -> None:
    name = database_name(url)
    admin = with_database(url, "postgres")
    try:
        conn = await asyncpg.connect(admin, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        where = urlsplit(url)
        raise BenchError(
            f"PostgreSQL is not reachable at {where.hostname}:{where.port or 5432} "
            f"({type(exc).__name__}: {exc}). Start it, or pass --database-url."
        ) from None
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(with_database(url, "postgres"), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await conn.close()


def percentiles(seconds: list[float], digits: int = 2) -> dict[str, float]:
    """p50, p99 and mean of latencies given in seconds, in milliseconds."""
    ms = sorted(v * 1000 for v in seconds)
    if len(ms) < 2:
        raise BenchError("too few requests were answered to give percentiles")
    return {
        "p50_ms": round(statistics.median(ms), digits),
        "p99_ms": round(statistics.quantiles(ms, n=100, method="inclusive")[98], digits),
        "mean_ms": round(statistics.fmean(ms), digits),
    }


Summary = dict[str, Any]


def run_main(
    run: Callable[[Path], Coroutine[Any, Any, Summary]],
    prefix: str,
    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
) -> int:
    """Run a benchmark in a temporary folder: its summary as the last line of stdout
    (exit 0), or one line of error (exit 2)."""
    try:
        with (
            tempfile.TemporaryDirectory(prefix=prefix) as tmp,
            asyncio.Runner(loop_factory=loop_factory) as runner,
        ):
            summary = runner.run(run(Path(tmp)))
    except BenchError as exc:
        log(f"error: {exc}")
        return 2
    print(json.dumps(summary))
    return 0


def listeners(port: int) -> int:
    """Sockets listening on the port (Linux): one per worker, as they share it by SO_REUSEPORT."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                count += 1
    return count
