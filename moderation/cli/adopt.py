"""`moderation import-comments`: a WordPress or Disqus export becomes the site's threads."""

from __future__ import annotations

import argparse
import json
import sys
import time

import asyncpg

from moderation.cli.db import with_pool
from moderation.cli.progress import Progress
from moderation.settings import Settings


def cmd_import_comments(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.adopt.imports import Report, UnknownSite, check_site, read_export, store_export

    try:
        site = check_site(args.site)
    except UnknownSite as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    path = args.file
    total = path.stat().st_size
    reading = Progress(f"reading {path.name}", "comments")
    last = [0, 0]

    def read_progress(done: int, count: int) -> None:
        last[:] = [done, count]
        reading.update(done, total, count)

    # The whole file is read before the database is touched: a bad file adds nothing.
    export = read_export(
        path,
        args.format,
        max_body_bytes=settings.max_body_bytes,
        max_name_chars=settings.max_name_chars,
        max_email_chars=settings.max_email_chars,
        on_progress=read_progress,
    )
    reading.finish(total, total, len(export.comments) + len(export.skipped))
    writing = Progress("writing", "comments")

    async def run(pool: asyncpg.Pool) -> Report:
        async with pool.acquire() as conn:
            writing.started = time.monotonic()
            return await store_export(
                conn,
                export,
                site=site,
                file=str(path),
                fmt=args.format,
                on_written=lambda done, n: writing.update(done, n, done),
            )

    try:
        report = with_pool(settings, run)
    except UnknownSite as exc:
        print(f"moderation: {exc}", file=sys.stderr)
        return 2
    writing.finish(report.comments_added, report.comments_added, report.comments_added)
    _tell(report)
    print(json.dumps(report.as_dict(), ensure_ascii=False))
    return 0


def _tell(report: object) -> None:
    """The report for people, on stderr (stdout carries it as JSON)."""
    from moderation.adopt.imports import Report

    assert isinstance(report, Report)
    err = sys.stderr
    print(
        f"{report.origin}: {report.articles_added} articles added "
        f"({report.articles_completed} completed), {report.comments_added} comments added, "
        f"{report.already_imported} already imported",
        file=err,
    )
    if report.statuses:
        print("  by status: " + ", ".join(f"{k} {v}" for k, v in report.statuses.items()), file=err)
    if report.labels:
        print(
            "  training labels: " + ", ".join(f"{k} {v}" for k, v in report.labels.items()),
            file=err,
        )
    if report.rekeyed:
        print(
            f"  {report.rekeyed} articles got a new key (the export's would be refused by "
            "the API); pages must name them by it:",
            file=err,
        )
        for r in report.rekeyed_examples:
            print(f"    line {r.line}: {r.exported!r} -> {r.article!r}: {r.reason}", file=err)
    if report.adjusted:
        print(
            f"  adjusted {sum(report.adjusted.values())} (kept, within the API's limits):", file=err
        )
        for reason, n in report.adjusted.most_common():
            print(f"    {n:>6}  {reason}", file=err)
    if report.top_level_for_missing_parent:
        print(
            f"  {report.top_level_for_missing_parent} replies to comments not in the export "
            "are kept as top-level comments",
            file=err,
        )
    if report.skipped:
        print(f"  skipped {sum(report.skipped.values())}:", file=err)
        for reason, n in report.skipped.most_common():
            print(f"    {n:>6}  {reason}", file=err)
        for s in report.skipped_examples:
            print(f"    line {s.line}: {s.what}: {s.reason}", file=err)
