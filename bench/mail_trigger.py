"""What the confirmation-mail trigger costs a group commit (issue 16).

    python bench/mail_trigger.py [--batches 200] [--batch 64] [--database-url URL] [--keep]

Stores batches of comments with the service's own multi-row INSERT
(store/comments.insert_many, as the group-commit writer does) on three pools,
interleaved so that noise hits them alike: mail off (the baseline: the trigger
returns at once), mail on with every address new (the worst case: each comment
queues a confirmation), and mail on with addresses already mailed (the usual
case for regular readers). Prints p50/p99 per batch and the ratio to the
baseline; the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.common import drop_database, log, percentiles, recreate_database, run_main
from moderation.domain import Comment, Decision, Status
from moderation.store import comments as comment_store
from moderation.store import db, migrations

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_mail_{os.getpid()}"
MAIL_ON = {"moderation.confirm_emails": "on"}


def _batch(kind: str, n: int, size: int) -> list[tuple[Comment, Decision]]:
    held = Decision(Status.PENDING, None, ("uncertain",), spam_score=0.5, model_version="bench")
    email = {
        "off": lambda i: f"reader{i % 50}@example.org",
        "new": lambda i: f"new{n}-{i}@example.org",
        "known": lambda i: f"known{i % 50}@example.org",
    }[kind]
    return [
        (Comment(article="bench", name="Reader", email=email(i), body=f"Comment {n}.{i}"), held)
        for i in range(size)
    ]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    await recreate_database(args.database_url)
    try:
        conn = await asyncpg.connect(args.database_url)
        try:
            await migrations.migrate(conn)
        finally:
            await conn.close()
        off = await db.create_pool(args.database_url, min_size=1, max_size=1)
        on = await db.create_pool(
            args.database_url, min_size=1, max_size=1, server_settings=MAIL_ON
        )
        kinds = {"off": off, "new": on, "known": on}
        await comment_store.insert_many(on, _batch("known", -1, args.batch))  # mailed once
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for n in range(args.batches):
            for kind, pool in kinds.items():
                items = _batch(kind, n, args.batch)
                start = time.perf_counter()
                await comment_store.insert_many(pool, items)
                times[kind].append(time.perf_counter() - start)
        queued = await on.fetchval("SELECT count(*) FROM mail_outbox")
        await off.close()
        await on.close()
    finally:
        if not args.keep:
            await drop_database(args.database_url)
    summary = {k: percentiles(v) for k, v in times.items()}
    base = summary["off"]["p50_ms"]
    for kind, figures in summary.items():
        figures["p50_vs_off"] = round(figures["p50_ms"] / base, 2)
        log(
            f"{kind:>5}: p50 {figures['p50_ms']:.2f} ms  p99 {figures['p99_ms']:.2f} ms  "
            f"x{figures['p50_vs_off']} per batch of {args.batch}"
        )
    return {"batch": args.batch, "batches": args.batches, "mails_queued": queued, **summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    return run_main(lambda _tmp: run(args), "moderation-bench-mail-")


if __name__ == "__main__":
    raise SystemExit(main())
