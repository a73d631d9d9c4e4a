"""Restart benchmark: how long `moderation serve` takes from launch to ready, model cached.

    python bench/restart.py [--workers 1,auto] [--repeat 3] [--database-url URL] [--keep]

Creates its own database (dropped and re-created; by default `moderation_bench_restart_<pid>`
on the local server) and a data folder, starts the service once untimed (it migrates
the database and trains the seed model into the data folder's cache, as a first start
does), then restarts it `--repeat` times per worker count and times each launch until
`/readyz` answers 200 and every worker accepts connections.

In the same run, the floor: a fresh interpreter importing what any aiohttp + asyncpg
service imports (`python -c "import aiohttp, asyncpg, uvloop"`), and one importing the
service's application (`import moderation.app`). The restart is printed as a ratio of
the floor (issue 19: restart to ready <= 3 s with a cached model). Progress goes to
stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: take this folder off
# the import path, and put the project's root there.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import os
import resource
import signal
import statistics
import subprocess
import time
from typing import Any

import aiohttp

from bench.common import BenchError, drop_database, listeners, log, recreate_database, run_main
from tests.server import environment, free_port, serve_argv

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_restart_{os.getpid()}"
FIRST_START_DEADLINE = 600.0  # the first start trains the seed model
START_DEADLINE = 120.0
FLOOR = "import aiohttp, asyncpg, uvloop"


def cores() -> int:
    return len(os.sched_getaffinity(0))


TICKS = os.sysconf("SC_CLK_TCK")


def import_seconds(statement: str, repeat: int) -> tuple[float, float]:
    """Median wall and CPU time of a fresh interpreter that runs one import statement
    (CPU time moves least when others share the machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def cpu_of_tree(pid: int) -> float:
    """CPU seconds used so far by a process and its children (the workers)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    pids += [int(c) for c in children]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


async def launch(
    url: str, data_dir: Path, workers: int, deadline: float, log_file: Path
) -> tuple[float, float]:
    """Start, time until ready on every worker, stop: seconds to ready, and the CPU
    seconds the service's processes used until then."""
    port = free_port()
    env = environment(data_dir, url, MODERATION_POOL_MIN_SIZE="1")
    t0 = time.perf_counter()
    with log_file.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            *serve_argv(port, workers),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=err,
            stderr=err,
        )
    try:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                if proc.returncode is not None:
                    raise BenchError(f"the service exited with {proc.returncode}; see {log_file}")
                if time.perf_counter() - t0 > deadline:
                    raise BenchError(f"not ready after {deadline:.0f} s; see {log_file}")
                # Ready: /readyz says so and every worker listens (SO_REUSEPORT).
                try:
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                        ready = resp.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ready = False
                if ready and listeners(port) >= workers:
                    return time.perf_counter() - t0, cpu_of_tree(proc.pid)
                await asyncio.sleep(0.02)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = args.database_url
    await recreate_database(url)
    counts = [cores() if w == "auto" else int(w) for w in args.workers.split(",")]
    try:
        data_dir, log_file = tmp / "data", tmp / "serve.log"
        log("first start (migrations, seed model trained into the cache) ...")
        first, _ = await launch(url, data_dir, 1, FIRST_START_DEADLINE, log_file)
        log(f"first start ready in {first:.2f} s")
        floor, floor_cpu = await asyncio.to_thread(import_seconds, FLOOR, args.repeat)
        app_import, app_cpu = await asyncio.to_thread(
            import_seconds, "import moderation.app", args.repeat
        )
        log(
            f"floor ({FLOOR}): {floor:.2f} s ({floor_cpu:.2f} s CPU); "
            f"import moderation.app: {app_import:.2f} s ({app_cpu:.2f} s CPU)"
        )
        results: dict[str, Any] = {}
        for workers in counts:
            times, cpus = [], []
            for i in range(args.repeat):
                seconds, cpu = await launch(url, data_dir, workers, START_DEADLINE, log_file)
                times.append(seconds)
                cpus.append(cpu)
                log(
                    f"workers {workers}, restart {i + 1}: ready in {seconds:.2f} s "
                    f"({cpu:.2f} s CPU)"
                )
            median, median_cpu = statistics.median(times), statistics.median(cpus)
            results[str(workers)] = {
                "seconds": [round(t, 3) for t in times],
                "cpu_seconds": [round(c, 3) for c in cpus],
                "median_s": round(median, 3),
                "median_cpu_s": round(median_cpu, 3),
                "ratio_to_floor": round(median / floor, 2),
                "cpu_ratio_to_floor": round(median_cpu / floor_cpu, 2),
            }
            log(
                f"workers {workers}: median {median:.2f} s to ready ({median_cpu:.2f} s CPU), "
                f"{median / floor:.1f}x the import floor ({median_cpu / floor_cpu:.1f}x in CPU)"
            )
    finally:
        if args.keep:
            log(f"kept the database: {url}")
        else:
            await drop_database(url)
    return {
        "benchmark": "restart",
        "cpus": cores(),
        "first_start_s": round(first, 2),
        "floor_import_s": round(floor, 3),
        "floor_import_cpu_s": round(floor_cpu, 3),
        "app_import_s": round(app_import, 3),
        "app_import_cpu_s": round(app_cpu, 3),
        "restarts": results,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--workers", default="1,auto", help="comma-separated worker counts")
    parser.add_argument("--repeat", type=int, default=3, help="timed restarts per count")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    return run_main(lambda tmp: run(args, tmp), "bench-restart-")


if __name__ == "__main__":
    sys.exit(main())
