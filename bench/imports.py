"""Import benchmark: a generated 100 000-comment WordPress export through import-comments.

    python bench/imports.py [--comments 100000] [--per-post 20] [--database-url URL] [--keep]
    python bench/imports.py --comments 50000 --per-post 50000   # one post, 50 000 comments

Writes a WXR file shaped like a real export (posts with their comments; 80 %
approved, 8 % spam, 6 % pending, 4 % trash, 2 % pingbacks; a third of the
comments are replies; a little HTML and some entities), creates its own
database (dropped and re-created; by default `moderation_bench_imports_<pid>` on
the local server), applies the migrations, and times the service's own code:

- read: `read_export` (lxml, streaming) into records;
- write: `store_export` in one transaction (articles, comments, history,
  labels, the import record);
- again: importing the same file a second time (reads it, adds nothing).

Baselines measured in the same run: an lxml pass over the same file that only
counts elements (the floor for reading), and a plain COPY of the same comment
rows into a table with the comments' columns and no index or key (the floor
for writing). Ratios are against those. Memory: `read_peak_rss_mb` is the peak
RSS of a fresh process that only reads the file (`idle_rss_mb`: the same process
before reading), `peak_rss_mb` the whole benchmark's. Progress goes to stderr;
the last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg
from lxml import etree

from bench.common import (
    BenchError,
    Summary,
    database_name,
    drop_database,
    log,
    recreate_database,
    run_main,
)
from moderation.adopt.imports import read_export, store_export
from moderation.store import migrations

# Each run its own database: two runs on one server never drop each other's.
DEFAULT_URL = f"postgresql://postgres@127.0.0.1:5432/moderation_bench_imports_{os.getpid()}"

_WORDS = [
    *[
        "the",
        "council",
        "said",
        "hospital",
        "ferry",
        "timetable",
        "harbour",
        "backups",
        "ransomware",
        "patients",
    ],
    *[
        "appointments",
        "trust",
        "staff",
        "reporters",
        "update",
        "story",
        "readers",
        "town",
        "weekend",
        "road",
    ],
    *[
        "works",
        "school",
        "budget",
        "vote",
        "election",
        "candidate",
        "water",
        "prices",
        "energy",
        "bill",
        "train",
    ],
]
_COMMENT = """\t\t<wp:comment>
\t\t\t<wp:comment_id>{id}</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Reader {reader}]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[reader{reader}@example.com]]></wp:comment_author_email>
\t\t\t<wp:comment_author_url></wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[{ip}]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2023-05-{day:02d} 10:{minute:02d}:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2023-05-{day:02d} 09:{minute:02d}:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[{body}]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[{status}]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
"""
_STATUSES = ["1"] * 80 + ["spam"] * 8 + ["0"] * 6 + ["trash"] * 4 + ["pingback"] * 2


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def generate(path: Path, comments: int, per_post: int, seed: int = 7) -> int:
    """A WXR file with `comments` comments; returns its size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n'
            '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
            '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
            '\txmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "\t<title>Bench Gazette</title>\n\t<link>https://bench.example.org</link>\n"
            "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
            "\t<wp:base_site_url>https://bench.example.org</wp:base_site_url>\n"
        )
        cid = 0
        post = 0
        while cid < comments:
            post += 1
            day = 1 + post % 28
            f.write(
                f"\t<item>\n\t\t<title><![CDATA[{_sentence(rng, 6)}]]></title>\n"
                f"\t\t<link>https://bench.example.org/2023/05/story-{post}/</link>\n"
                f"\t\t<wp:post_id>{post}</wp:post_id>\n"
                f"\t\t<wp:post_date_gmt><![CDATA[2023-05-{day:02d} 08:00:00]]></wp:post_date_gmt>\n"
                f"\t\t<wp:post_name><![CDATA[story-{post}]]></wp:post_name>\n"
                "\t\t<wp:status><![CDATA[publish]]></wp:status>\n"
                "\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n"
            )
            first = cid + 1
            for _ in range(min(per_post, comments - cid)):
                cid += 1
                status = rng.choice(_STATUSES)
                kind = "pingback" if status == "pingback" else "comment"
                status = "1" if kind == "pingback" else status
                parent = rng.randint(first, cid - 1) if cid > first and rng.random() < 0.33 else 0
                body = " ".join(
                    _sentence(rng, rng.randint(5, 18)) for _ in range(rng.randint(1, 4))
                )
                if rng.random() < 0.1:
                    body += ' See <a href="https://example.com/more">this &amp; that</a>.'
                f.write(
                    _COMMENT.format(
                        id=cid,
                        reader=cid % 5000,
                        ip=f"198.51.{cid % 250}.{cid % 200 + 1}",
                        day=day,
                        minute=cid % 60,
                        body=body,
                        status=status,
                        kind=kind,
                        parent=parent,
                    )
                )
            f.write("\t</item>\n")
        f.write("</channel>\n</rss>\n")
    return path.stat().st_size


def count_elements(path: Path) -> int:
    """The reading floor: a streaming lxml pass that only counts and clears elements
    (each post and each comment once it ends, with what came before it)."""
    n = 0
    for _, element in etree.iterparse(str(path), events=("end",), resolve_entities=False):
        n += 1
        tag = element.tag
        if isinstance(tag, str) and tag.rpartition("}")[2] in ("item", "comment"):
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    return n


# Reading alone, in a fresh interpreter (run from the repository's root, so bench/'s
# own modules, such as bench/queue.py, do not shadow the standard library's).
_READ_ALONE = """
import json, sys, time
from pathlib import Path
from moderation.adopt.imports import read_export

def peak_mb():  # this address space's high-water mark (ru_maxrss carries over exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

idle = peak_mb()
started = time.perf_counter()
export = read_export(Path(sys.argv[1]), "wxr", max_body_bytes=65525)
print(json.dumps({"seconds": time.perf_counter() - started, "comments": len(export.comments),
                  "peak_mb": peak_mb(), "idle_mb": idle}))
"""


def read_peak_mb(path: Path) -> tuple[float, float]:
    """The peak RSS of a process that only reads the file, and of the same process
    before reading (the interpreter and the imports). Linux: /proc/self/status."""
    done = subprocess.run(
        [sys.executable, "-c", _READ_ALONE, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["peak_mb"]), float(figures["idle_mb"])


async def baseline_copy(conn: asyncpg.Connection, export: Any, indexed: bool = False) -> float:
    """A plain COPY of the same comment rows into a bare table: the writing floor.

    `indexed`: into a copy of `comments` with all its indexes and defaults (no
    foreign keys), to show what the indexes alone cost.
    """
    await conn.execute("DROP TABLE IF EXISTS bench_copy")
    if indexed:
        await conn.execute("CREATE TABLE bench_copy (LIKE comments INCLUDING ALL)")
    else:
        await conn.execute(
            """
            CREATE TABLE bench_copy (
                id bigint, article text, parent_id bigint, author_name text,
                author_email text, author_url text, body text, client_ip inet,
                user_agent text, status text, rejection text, reasons text[],
                decided_by text, created_at timestamptz
            )
            """
        )
    rows = [
        (
            i,
            c.article,
            None,
            c.name,
            c.email,
            c.url,
            c.body,
            c.client_ip,
            c.user_agent,
            c.status.value,
            c.rejection.value if c.rejection else None,
            ["imported from WordPress"],
            "wordpress",
            c.created_at,
        )
        for i, c in enumerate(export.comments, 1)
    ]
    started = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table(
            "bench_copy",
            records=rows,
            columns=(
                "id", "article", "parent_id", "author_name", "author_email", "author_url",
                "body", "client_ip", "user_agent", "status", "rejection", "reasons",
                "decided_by", "created_at",
            ),
        )  # fmt: skip
    return time.perf_counter() - started


async def run(tmp: Path, args: argparse.Namespace) -> Summary:
    database_name(args.database_url)  # refuse a database not named for benchmarks, first
    path = tmp / "bench-export.xml"
    started = time.perf_counter()
    size = generate(path, args.comments, args.per_post)
    log(f"generated {path.name}: {args.comments:,} comments, {size / 1e6:.1f} MB "
        f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    started = time.perf_counter()
    elements = count_elements(path)
    floor_read = time.perf_counter() - started
    log(f"baseline read (lxml, count only): {elements:,} elements in {floor_read:.2f} s")

    started = time.perf_counter()
    export = read_export(path, "wxr", max_body_bytes=65525)
    read_s = time.perf_counter() - started
    log(
        f"read: {len(export.comments):,} comments, "
        f"{len(export.skipped):,} skipped in {read_s:.2f} s"
    )

    read_peak, idle_rss = read_peak_mb(path)
    log(f"reading alone, in a fresh process: peak RSS {read_peak:.0f} MB ({idle_rss:.0f} MB idle)")

    await recreate_database(args.database_url)
    try:
        conn = await asyncpg.connect(args.database_url)
        try:
            await migrations.migrate(conn)
            copy_s = await baseline_copy(conn, export)
            log(f"baseline write (plain COPY of the same rows): {copy_s:.2f} s")
            indexed_s = await baseline_copy(conn, export, indexed=True)
            log(
                f"for scale: the same COPY into a table with the comments' indexes: "
                f"{indexed_s:.2f} s"
            )
            await conn.execute("DROP TABLE bench_copy")
            started = time.perf_counter()
            report = await store_export(conn, export, site="default")
            write_s = time.perf_counter() - started
            log(f"write: {report.comments_added:,} comments in {write_s:.2f} s")
            started = time.perf_counter()
            again = await store_export(
                conn, read_export(path, "wxr", max_body_bytes=65525), site="default"
            )
            again_s = time.perf_counter() - started
            log(
                f"again (same file, read and write): "
                f"added {again.comments_added} in {again_s:.2f} s"
            )
            if again.comments_added:
                raise BenchError("the second import added comments")
        finally:
            await conn.close()
    finally:
        if not args.keep:
            await drop_database(args.database_url)
    total = read_s + write_s
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary: Summary = {
        "comments_in_file": args.comments,
        "file_mb": round(size / 1e6, 1),
        "imported": report.comments_added,
        "skipped": sum(report.skipped.values()),
        "labels": dict(report.labels),
        "read_s": round(read_s, 2),
        "write_s": round(write_s, 2),
        "total_s": round(total, 2),
        "comments_per_s": round(report.comments_added / total),
        "again_s": round(again_s, 2),
        "baseline_read_s": round(floor_read, 2),
        "baseline_copy_s": round(copy_s, 2),
        "copy_with_indexes_s": round(indexed_s, 2),
        "read_ratio": round(read_s / floor_read, 2),
        "write_ratio": round(write_s / copy_s, 2),
        "total_ratio_to_copy": round(total / copy_s, 2),
        "peak_rss_mb": round(rss_mb),
        "read_peak_rss_mb": round(read_peak),
        "idle_rss_mb": round(idle_rss),
        "per_post": args.per_post,
    }
    log(
        f"import: {total:.2f} s ({summary['comments_per_s']:,} comments/s); "
        f"read {summary['read_ratio']}x the lxml floor, write {summary['write_ratio']}x a plain "
        f"COPY, whole import {summary['total_ratio_to_copy']}x a plain COPY; "
        f"peak RSS {summary['peak_rss_mb']} MB"
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--per-post", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    return run_main(lambda tmp: run(tmp, args), "bench-imports-")


if __name__ == "__main__":
    sys.exit(main())
