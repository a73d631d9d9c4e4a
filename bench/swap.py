"""Model swaps: loading a model from its serving form against skops, and a hot swap.

    python bench/swap.py [--labels 100000] [--database-url URL]

1. Loads the seed model and a model trained on N synthetic labels (the seed
   corpus varied, as bench/training.py makes them) both ways in the same
   run: the serving form (what the service reads) and the skops part alone
   (what it read before), as a ratio.
2. Starts two app instances on one throw-away database, registers the large
   model, activates it through the first instance's API, and times how long
   until the second instance serves it (it learns by LISTEN/NOTIFY and loads
   the artifact from the database).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: run from the
# repository root's view of the world, not this folder's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import io
import os
import random
import time
import zipfile
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import BenchError, drop_database, log, recreate_database, run_main
from bench.training import synthetic
from moderation.app import create_app
from moderation.classifier import persist, seed
from moderation.classifier.train import train
from moderation.keys import MODEL
from moderation.ops.access import create_token
from moderation.settings import Settings
from moderation.store import migrations
from moderation.store import models as model_store
from moderation.store.db import init_connection

DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_swap_{os.getpid()}"


def load_times(name: str, data: bytes) -> dict[str, Any]:
    """Seconds to load an artifact from its serving form and from its skops part alone."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        skops_part = z.read(persist.SKOPS)
    t0 = time.perf_counter()
    persist.loads_keyed(f"bench-serving-{name}", data)
    serving = time.perf_counter() - t0
    t0 = time.perf_counter()
    persist.loads_keyed(f"bench-skops-{name}", skops_part)
    skops = time.perf_counter() - t0
    row = {
        "artifact_mb": round(len(data) / 1e6, 2),
        "serving_s": round(serving, 3),
        "skops_s": round(skops, 3),
        "speedup": round(skops / serving, 1),
    }
    log(f"{name:>10}: {row}")
    return row


async def hot_swap(url: str, data_dir: Path, version: str, artifact: bytes) -> float:
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        flood_ip_interval_seconds=0,
        flood_email_interval_seconds=0,
        flood_ip_max=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        await migrations.migrate(conn)
        await model_store.insert(
            conn,
            site="default",
            version=version,
            state="candidate",
            artifact=artifact,
            metadata={"version": version},
            created_by="bench",
        )
        secret, _ = await create_token(conn, "bench-admin", "admin")
    finally:
        await conn.close()
    one = TestClient(TestServer(create_app(settings)))
    two = TestClient(TestServer(create_app(settings)))
    await one.start_server()
    await two.start_server()
    try:
        started = time.perf_counter()
        resp = await one.post(
            f"/v1/admin/models/{version}/activate",
            headers={"Authorization": f"Bearer {secret}"},
        )
        if resp.status != 200:
            raise BenchError(f"activation answered {resp.status}: {await resp.text()}")
        while two.server.app[MODEL].version != version:
            if time.perf_counter() - started > 60:
                raise BenchError("the second instance did not swap within 60 s")
            await asyncio.sleep(0.005)
        return time.perf_counter() - started
    finally:
        await one.close()
        await two.close()


async def run(tmp: Path, labels: int, url: str) -> dict[str, Any]:
    log("training the seed and a model on synthetic labels ...")
    seed_model = seed.train_seed(progress=lambda _: None)
    big = train(synthetic(labels, random.Random(0)), holdout_fraction=0.1)
    out: dict[str, Any] = {
        "seed": load_times("seed", persist.dumps(seed_model)),
        f"labels_{labels}": load_times(f"{labels} labels", persist.dumps(big)),
    }
    await recreate_database(url)
    try:
        seconds = await hot_swap(url, tmp, big.version, persist.dumps(big))
    finally:
        await drop_database(url)
    out["hot_swap_s"] = round(seconds, 3)
    log(f"activation on one instance -> the other serves it: {seconds:.3f} s")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    return run_main(lambda tmp: run(tmp, args.labels, args.database_url), "bench-swap-")


if __name__ == "__main__":
    sys.exit(main())
