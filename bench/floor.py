"""The floor under bench/load.py: what a bare aiohttp + asyncpg app does on this machine.

    python bench/floor.py [--duration 10] [--connections 32] [--database-url URL]

The same client as bench/load.py (a separate process, N keep-alive connections, the
same comments) drives a minimal app, with uvloop, that reads the JSON body and answers
201 with an id; it does no validation, no scoring, no logging. Three ways, each in a
process of its own on a fresh database:

- `none`: no database at all (the HTTP stack alone);
- `insert`: one INSERT ... RETURNING per request, on a pool of 10;
- `batch`: requests wait in a queue; two writer tasks store what is waiting with one
  multi-row INSERT each (group commit, as moderation/intake/writer.py does).

pgbench's one-row INSERT rate at the same concurrency is measured in the same run; each
rate is printed as a ratio of it, and the last line of stdout is one JSON object.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import subprocess
import time
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from bench import load
from bench.common import (
    BenchError,
    drop_database,
    log,
    recreate_database,
    run_main,
    with_database,
)

DEFAULT_URL = with_database(load.DEFAULT_URL, f"moderation_bench_floor_{os.getpid()}")
MODES = ("none", "insert", "batch")
TABLE = """CREATE TABLE IF NOT EXISTS floor_comments (
    id bigserial PRIMARY KEY, article text, name text, email text, body text, url text,
    created_at timestamptz NOT NULL DEFAULT now())"""
INSERT_ONE = (
    "INSERT INTO floor_comments (article, name, email, body, url) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING id"
)
INSERT_MANY = (
    "INSERT INTO floor_comments (article, name, email, body, url) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
    "RETURNING id"
)
Row = tuple[str, str, str, str, str | None]


def app(url: str, mode: str) -> web.Application:
    pool_key = web.AppKey("pool", asyncpg.Pool)
    queue: asyncio.Queue[tuple[Row, asyncio.Future[int]]] = asyncio.Queue()

    async def writer(pool: asyncpg.Pool) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < 64 and not queue.empty():
                batch.append(queue.get_nowait())
            columns = [list(c) for c in zip(*(row for row, _ in batch), strict=True)]
            rows = await pool.fetch(INSERT_MANY, *columns)
            # RETURNING's order is not promised; the bare app only needs an id each.
            for (_, done), r in zip(batch, rows, strict=True):
                done.set_result(r["id"])

    async def database(a: web.Application) -> Any:
        if mode == "none":
            yield
            return
        a[pool_key] = pool = await asyncpg.create_pool(url, min_size=10, max_size=10)
        await pool.execute(TABLE)
        tasks = [asyncio.create_task(writer(pool)) for _ in range(2)] if mode == "batch" else []
        yield
        for t in tasks:
            t.cancel()
        await pool.close()

    async def post(request: web.Request) -> web.Response:
        d = orjson.loads(await request.read())
        row: Row = (d["article"], d["name"], d["email"], d["body"], d.get("url"))
        if mode == "none":
            new_id = 1
        elif mode == "insert":
            new_id = await request.app[pool_key].fetchval(INSERT_ONE, *row)
        else:
            done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            queue.put_nowait((row, done))
            new_id = await done
        return web.Response(body=orjson.dumps({"id": new_id}), status=201)

    a = web.Application()
    a.cleanup_ctx.append(database)
    a.router.add_post("/v1/comments", post)
    return a


def serve(url: str, mode: str, port: int) -> None:
    import uvloop

    uvloop.install()
    web.run_app(app(url, mode), host="127.0.0.1", port=port, access_log=None, print=None)


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = args.database_url
    results: dict[str, Any] = {}
    for mode in MODES:
        await recreate_database(url)
        port = load.free_port()
        argv = [sys.executable, __file__, "--serve", mode, "--database-url", url]
        proc = await asyncio.to_thread(subprocess.Popen, [*argv, "--port", str(port)])
        try:
            base_url = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_port, port, proc)
            cfg = {"base_url": base_url, "path": "/v1/comments", "method": "POST"}
            cfg |= {"connections": args.connections, "duration": args.duration, "warmup": 2.0}
            results[mode] = await load.run_phase(f"floor {mode}", cfg, [proc.pid], url)
        finally:
            proc.terminate()
            proc.wait(30)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE bench_insert (id bigserial PRIMARY KEY, body text)")
    finally:
        await conn.close()
    log(f"pgbench: one-row INSERT, {args.connections} connections, {args.duration:g} s ...")
    insert = await asyncio.to_thread(
        load.pgbench, url, load.insert_script(), args.connections, args.duration, tmp
    )
    await drop_database(url)
    log(f"pgbench INSERT: {insert['tps']:.0f} transactions/s")
    summary: dict[str, Any] = {"benchmark": "floor", "pgbench_tps": insert["tps"]}
    for mode, figures in results.items():
        ratio = round(figures["rps"] / insert["tps"], 3)
        log(f"{mode}: {figures['rps']:.0f} rps, {ratio:.3f}x pgbench")
        summary[mode] = {"rps": figures["rps"], "p99_ms": figures["p99_ms"], "ratio": ratio}
        summary[mode]["cpu_ms_per_request"] = figures["cpu_ms_per_request"]
    return summary


def wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    give_up = time.monotonic() + 30
    while load.listeners(port) < 1:
        if proc.poll() is not None or time.monotonic() > give_up:
            raise BenchError(f"the floor app did not listen on port {port}")
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per mode")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.database_url, args.serve, args.port)
        return 0
    return run_main(lambda tmp: run(args, tmp), "bench-floor-")


if __name__ == "__main__":
    sys.exit(main())
