"""Backup benchmark: `moderation backup` and `moderation restore` on ~100 000 comments.

    python bench/backups.py [--comments 100000] [--rounds 3] [--database-url URL] [--keep]

Fills its own database (dropped and re-created; by default
`moderation_bench_backups_<pid>` on the local server) the way a site's history
arrives: a generated WordPress export (bench/imports.py's) imported by the
service's own code, so comments come with their history, labels and import
records. Then it times the service's code and, in the same run, PostgreSQL's
own tools as the baseline:

- backup: `ops.backups.dump` (what `moderation backup` runs: `pg_dump
  --format=custom` written aside and renamed) against a plain `pg_dump -Fc`
  of the same database, alternating, `--rounds` times each (medians);
- restore: `ops.backups.restore` (what `moderation restore` runs: the archive's
  list checked, `pg_restore --single-transaction` into an empty database, the
  migrations checked) against a plain `pg_restore` of the plain dump into
  another empty database.

Progress goes to stderr; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/queue.py would shadow the standard library's queue (which scikit-learn needs).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import asyncpg

from bench.common import (
    BenchError,
    Summary,
    drop_database,
    log,
    recreate_database,
    run_main,
    with_database,
)
from bench.imports import generate
from moderation.adopt.imports import read_export, store_export
from moderation.ops import backups
from moderation.settings import Settings
from moderation.store import migrations

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_backups_{os.getpid()}"


def _plain(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{Path(argv[0]).name}: {done.stderr.strip()}")
    return time.perf_counter() - started


async def _fill(url: str, tmp: Path, comments: int) -> int:
    export_file = tmp / "export.xml"
    generate(export_file, comments, 20)
    export = read_export(export_file, "wxr", max_body_bytes=65525)
    export_file.unlink()
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
        report = await store_export(conn, export, site="default")
        await conn.execute("VACUUM ANALYZE")
        return report.comments_added
    finally:
        await conn.close()


async def run(tmp: Path, args: argparse.Namespace) -> Summary:
    url = args.database_url
    ours_url = with_database(url, f"{url.rsplit('/', 1)[-1]}_restore")
    plain_url = with_database(url, f"{url.rsplit('/', 1)[-1]}_plain")
    await recreate_database(url)
    try:
        started = time.perf_counter()
        added = await _fill(url, tmp, args.comments)
        conn = await asyncpg.connect(url)
        try:
            db_bytes = await conn.fetchval("SELECT pg_database_size(current_database())")
        finally:
            await conn.close()
        log(f"filled: {added:,} comments, database {db_bytes / 1e6:.0f} MB "
            f"({time.perf_counter() - started:.0f} s)")  # fmt: skip

        settings = Settings(database_url=url, data_dir=tmp)
        pg_dump = str(backups.tool("pg_dump", settings))
        pg_restore = str(backups.tool("pg_restore", settings))
        ours_s, plain_s = [], []
        ours_file, plain_file = tmp / "moderation.dump", tmp / "plain.dump"
        for i in range(args.rounds):
            made = await backups.dump(settings, ours_file)
            ours_s.append(made.seconds)
            plain_s.append(_plain([pg_dump, "-Fc", f"--file={plain_file}", f"--dbname={url}"]))
            log(f"round {i + 1}: moderation backup {made.seconds:.2f} s, "
                f"pg_dump -Fc {plain_s[-1]:.2f} s")  # fmt: skip
        ours_bytes, plain_bytes = ours_file.stat().st_size, plain_file.stat().st_size

        await recreate_database(ours_url)
        await recreate_database(plain_url)
        try:
            started = time.perf_counter()
            restored = await backups.restore(
                Settings(database_url=ours_url, data_dir=tmp), ours_file
            )
            restore_s = time.perf_counter() - started
            if restored.applied:
                raise BenchError(f"the restore applied migrations: {restored.applied}")
            plain_restore_s = _plain(
                [pg_restore, "--no-owner", f"--dbname={plain_url}", str(plain_file)]
            )
            log(f"restore: moderation restore {restore_s:.2f} s, "
                f"pg_restore {plain_restore_s:.2f} s")  # fmt: skip
            conn = await asyncpg.connect(ours_url)
            try:
                if await conn.fetchval("SELECT count(*) FROM comments") != added:
                    raise BenchError("the restored database lacks comments")
            finally:
                await conn.close()
        finally:
            await drop_database(ours_url)
            await drop_database(plain_url)
    finally:
        if not args.keep:
            await drop_database(url)

    backup_s, plain_backup_s = statistics.median(ours_s), statistics.median(plain_s)
    summary: Summary = {
        "comments": added,
        "database_mb": round(db_bytes / 1e6, 1),
        "backup_s": round(backup_s, 2),
        "backup_mb": round(ours_bytes / 1e6, 1),
        "pg_dump_s": round(plain_backup_s, 2),
        "pg_dump_mb": round(plain_bytes / 1e6, 1),
        "backup_ratio": round(backup_s / plain_backup_s, 2),
        "size_ratio": round(ours_bytes / plain_bytes, 3),
        "restore_s": round(restore_s, 2),
        "pg_restore_s": round(plain_restore_s, 2),
        "restore_ratio": round(restore_s / plain_restore_s, 2),
        "rounds": args.rounds,
    }
    log(
        f"backup {backup_s:.2f} s, {ours_bytes / 1e6:.1f} MB "
        f"({summary['backup_ratio']}x the time of pg_dump -Fc, {summary['size_ratio']}x its "
        f"size); restore {restore_s:.2f} s ({summary['restore_ratio']}x pg_restore)"
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    return run_main(lambda tmp: run(tmp, args), "bench-backups-")


if __name__ == "__main__":
    sys.exit(main())
