"""`moderation backup` and `moderation restore`: pg_dump's custom format (ops/backups.py)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from moderation.cli.db import database_url
from moderation.settings import Settings


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.ops.backup_schedule import folder_of
    from moderation.ops.backups import backup_name, dump

    out = args.out or folder_of(settings) / backup_name(datetime.now(UTC))
    with database_url(settings) as ready:
        made = asyncio.run(dump(ready, out))
    print(
        f"backup written to {made.path} ({made.bytes:,} bytes, {made.seconds:.1f} s)",
        file=sys.stderr,
    )
    print(json.dumps({"file": str(made.path), "bytes": made.bytes, "at": made.at.isoformat()}))
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from moderation.ops.backups import restore

    if not args.file.is_file():
        print(f"moderation: no such backup file: {args.file}", file=sys.stderr)
        return 2
    with database_url(settings) as ready:
        done = asyncio.run(restore(ready, args.file))
    if done.changed:
        print(
            "moderation: warning: these migrations differ from the ones the backup's version "
            "applied: " + ", ".join(done.changed),
            file=sys.stderr,
        )
    print(
        f"restored {args.file} (schema at migration {done.schema_from:04d}); "
        + ("applied: " + ", ".join(done.applied) if done.applied else "the schema is up to date"),
        file=sys.stderr,
    )
    print(
        json.dumps(
            {"file": str(args.file), "schema_from": done.schema_from, "applied": done.applied}
        )
    )
    return 0
