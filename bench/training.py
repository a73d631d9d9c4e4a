"""Training benchmark: how long training takes, and what it does to serving.

    python bench/training.py [--data DIR] [--labels 100000] [--requests 300]

1. Training time on the YouTube Spam Collection (all five videos), if present.
2. Training time on N labels: the seed corpus varied at random up to N (a
   synthetic set: it measures cost, not quality).
3. Submission latency while idle and while a training job runs in its own
   process (the service's real path: POST /v1/admin/training), over HTTP to a
   real server; printed as p50/p99 and as a ratio to idle.

Needs PostgreSQL at 127.0.0.1:5432 (or --database-url); creates and drops
its own database. The last line of stdout is one JSON object.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: run from the
# repository root's view of the world, not this folder's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.app import create_app
from moderation.classifier import seed
from moderation.classifier.data import Example, read_paths
from moderation.classifier.features import CommentText
from moderation.classifier.train import train
from moderation.ops.access import create_token
from moderation.settings import Settings
from moderation.store import migrations
from moderation.store.training import import_labels

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "youtube-spam-collection"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DB = f"moderation_bench_training_{os.getpid()}"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def synthetic(n: int, rng: random.Random) -> list[Example]:
    """The seed corpus, varied: words dropped, swapped and numbered, up to n examples."""
    fit, held = seed.load_corpus()
    base = fit + held
    out = []
    for i in range(n):
        e = base[i % len(base)]
        words = e.comment.body.split()
        if len(words) > 3:
            words.pop(rng.randrange(len(words)))
            j = rng.randrange(len(words) - 1)
            words[j], words[j + 1] = words[j + 1], words[j]
        words.append(f"#{i}")
        c = e.comment
        out.append(
            Example(CommentText(" ".join(words), c.name, c.email, c.url), e.spam, "synthetic")
        )
    return out


def timed_train(examples: list[Example]) -> float:
    t0 = time.perf_counter()
    train(examples, holdout_fraction=0.1)
    return time.perf_counter() - t0


def percentiles(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2),
        "n": len(ms),
    }


async def submissions(session: aiohttp.ClientSession, base: str, n: int, tag: str) -> list[float]:
    out = []
    for i in range(n):
        doc = {
            "article": "bench",
            "name": f"Reader {i}",
            "email": f"reader{i}@example.org",
            "body": f"{tag} {i}: the advisory came two weeks after the exploit was public.",
        }
        t0 = time.perf_counter()
        async with session.post(f"{base}/v1/comments", json=doc) as resp:
            await resp.read()
            assert resp.status in (201, 202), resp.status
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def serving_during_training(url: str, requests: int, labels: list[Example]) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
        secret, _ = await create_token(conn, "bench", "admin")
        await import_labels(conn, "default", labels, "import:bench", "bench")
    finally:
        await conn.close()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-training-"))
    # Flood and duplicate guards off: one client sends everything from one address.
    quiet = {
        "flood_ip_interval_seconds": 0,
        "flood_email_interval_seconds": 0,
        "flood_ip_max": 0,
        "duplicate_window_seconds": 0,
    }
    app = create_app(Settings(database_url=url, data_dir=data_dir, **quiet))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {secret}"}
    try:
        async with aiohttp.ClientSession() as s:
            await submissions(s, base, 30, "warm-up")
            idle = await submissions(s, base, requests, "idle")
            async with s.post(f"{base}/v1/admin/training", headers=headers, json={}) as r:
                job_id = (await r.json())["id"]
            # Wait until the job's process is really training, then measure.
            while True:
                async with s.get(f"{base}/v1/admin/training/{job_id}", headers=headers) as r:
                    job = await r.json()
                if job["state"] == "running" and job["progress"].get("stage") == "training":
                    break
                if job["state"] in ("succeeded", "failed"):
                    raise SystemExit(f"job ended before measuring: {job}")
                await asyncio.sleep(0.05)
            busy: list[float] = []
            while job["state"] == "running" and len(busy) < requests:
                busy += await submissions(s, base, 10, "busy")
                async with s.get(f"{base}/v1/admin/training/{job_id}", headers=headers) as r:
                    job = await r.json()
            while job["state"] not in ("succeeded", "failed"):
                await asyncio.sleep(0.5)
                async with s.get(f"{base}/v1/admin/training/{job_id}", headers=headers) as r:
                    job = await r.json()
    finally:
        await runner.cleanup()
    idle_p, busy_p = percentiles(idle), percentiles(busy)
    return {
        "idle": idle_p,
        "during_training": busy_p,
        "p50_ratio": round(busy_p["p50_ms"] / idle_p["p50_ms"], 2),
        "p99_ratio": round(busy_p["p99_ms"] / idle_p["p99_ms"], 2),
        "job_state": job["state"],
        "job_seconds": _seconds(job["started_at"], job["finished_at"]),
        "job_labels": len(labels),
    }


def _seconds(start: str | None, end: str | None) -> float | None:
    from datetime import datetime

    if not start or not end:
        return None
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 1)


async def recreate(admin_url: str, drop_only: bool = False) -> str:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{DB}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--labels", type=int, default=100_000, help="0 skips this part")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database-url", default=ADMIN_URL, help="a server to create a database on"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    out: dict[str, Any] = {}

    files = sorted(args.data.glob("*.csv")) if args.data.is_dir() else []
    if files:
        youtube = read_paths(files)
        out["youtube_train_s"] = round(timed_train(youtube), 2)
        log(f"YouTube set ({len(youtube)} comments): trained in {out['youtube_train_s']} s")
    else:
        log(f"no YouTube data at {args.data}: skipped")

    if args.labels:
        big = synthetic(args.labels, rng)
        out["labels"] = args.labels
        out["labels_train_s"] = round(timed_train(big), 2)
        log(f"{args.labels} labels: trained in {out['labels_train_s']} s")

    url = asyncio.run(recreate(args.database_url))
    try:
        job_labels = synthetic(min(args.labels or 20_000, 20_000), rng)
        out["serving"] = asyncio.run(serving_during_training(url, args.requests, job_labels))
        log(f"submission latency idle vs during training: {out['serving']}")
    finally:
        asyncio.run(recreate(args.database_url, drop_only=True))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
