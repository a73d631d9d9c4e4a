"""Shutdown benchmark: how long `moderation serve` takes to exit after SIGTERM.

    python bench/shutdown.py [--database-url URL] [--keep]

Creates its own database (dropped and re-created; by default `moderation_bench_shutdown_<pid>`
on the local server) and starts `moderation serve` against it once per scenario, then
sends SIGTERM and times the exit:

1. idle: one keep-alive connection that made a request and is now quiet;
2. busy: 8 keep-alive clients sending one request after the other through the stop;
   also counted: answers during the stop with and without `Connection: close`, and
   requests that got no answer at all;
3. stalled body: a POST whose body stops half-way (it never finishes);
4. partial head: a connection that sent half a request line and went quiet.

Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: take this folder off
# the import path, and put the project's root there.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import signal
import time
from collections import Counter
from typing import Any

import aiohttp

from bench.common import BenchError, drop_database, log, recreate_database, run_main
from tests.server import NO_GUARDS, environment, free_port, serve_argv

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_shutdown_{os.getpid()}"
START_DEADLINE = 180.0  # the first start trains the seed model
STOP_DEADLINE = 60.0
SCENARIOS = ("idle", "busy", "stalled body", "partial head")


async def start(url: str, data_dir: Path, log_file: Path) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    env = environment(data_dir, url, MODERATION_POOL_MIN_SIZE="1", **NO_GUARDS)
    with log_file.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            *serve_argv(port), env=env, stdin=asyncio.subprocess.DEVNULL, stdout=err, stderr=err
        )
    give_up = time.monotonic() + START_DEADLINE
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as s:
        while True:
            if proc.returncode is not None:
                raise BenchError(f"the service exited with {proc.returncode}; see {log_file}")
            try:
                async with s.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return proc, port
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > give_up:
                proc.kill()
                raise BenchError(f"the service did not get ready; see {log_file}")
            await asyncio.sleep(0.1)


async def timed_stop(proc: asyncio.subprocess.Process) -> float:
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), STOP_DEADLINE)
    except TimeoutError:
        proc.kill()
        raise BenchError(f"still running {STOP_DEADLINE:.0f} s after SIGTERM") from None
    return time.perf_counter() - t0


async def scenario(name: str, url: str, data_dir: Path, tmp: Path) -> dict[str, Any]:
    proc, port = await start(url, data_dir, tmp / "serve.log")
    base = f"http://127.0.0.1:{port}"
    extra: dict[str, Any] = {}
    writers: list[asyncio.StreamWriter] = []
    session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30), connector=aiohttp.TCPConnector(limit=8)
    )
    try:
        if name == "idle":
            async with session.get(base + "/healthz") as resp:
                await resp.read()
            seconds = await timed_stop(proc)
        elif name == "busy":
            stopping = asyncio.Event()
            seen: Counter[str] = Counter()

            async def client() -> None:
                while proc.returncode is None:
                    try:
                        async with session.get(base + "/v1/articles/bench/comments") as resp:
                            await resp.read()
                            closing = resp.headers.get("Connection", "").lower() == "close"
                            if stopping.is_set():
                                seen["close" if closing else "keep-alive"] += 1
                    except (aiohttp.ClientError, TimeoutError) as exc:
                        if stopping.is_set():
                            seen[f"error {type(exc).__name__}"] += 1
                        await asyncio.sleep(0.01)

            clients = [asyncio.create_task(client()) for _ in range(8)]
            await asyncio.sleep(1)
            stopping.set()
            seconds = await timed_stop(proc)
            await asyncio.gather(*clients)
            extra["answers_during_stop"] = dict(seen)
        else:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writers.append(writer)
            if name == "stalled body":
                writer.write(
                    b"POST /v1/comments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100\r\n\r\n" + b'{"article": "a", '
                )
            else:
                writer.write(b"GET /heal")
            await writer.drain()
            await asyncio.sleep(0.5)
            seconds = await timed_stop(proc)
    finally:
        await session.close()
        for w in writers:
            w.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log(f"{name}: exited {proc.returncode} after {seconds:.2f} s {extra or ''}")
    return {"scenario": name, "seconds": round(seconds, 2), "exit": proc.returncode, **extra}


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = args.database_url
    await recreate_database(url)
    try:
        results = [await scenario(name, url, tmp / "data", tmp) for name in SCENARIOS]
    finally:
        if not args.keep:
            await drop_database(url)
    return {"benchmark": "shutdown", "results": results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    return run_main(lambda tmp: run(args, tmp), "bench-shutdown-")


if __name__ == "__main__":
    sys.exit(main())
