"""The daily backups `serve` makes (ops/backups.py makes and restores them).

`serve` makes a backup every `BACKUP_INTERVAL_HOURS` (daily) into `BACKUP_DIR`,
keeps the newest `BACKUP_KEEP`, and tells the newest one's time, read from the
folder, on /readyz and in /metrics. It is on by default with the embedded
PostgreSQL; an operator with an external server has backups of their own and may
turn it on. Several workers or instances sharing a folder take turns through an
advisory lock, and each looks at the folder again once it holds the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiohttp import web
from prometheus_client import Counter, Gauge

from moderation.keys import SETTINGS
from moderation.ops.backups import LOCK_KEY, Backup, backup_name, backups_in, dump, prune
from moderation.ops.observability import METRICS
from moderation.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class BackupState:
    """What this instance knows about backups, for /readyz and /metrics."""

    scheduled: bool
    folder: Path
    last_error: str | None = None
    failures: int = 0

    @property
    def last_at(self) -> datetime | None:
        """The newest backup's time, read from the folder each time: every worker of
        `serve --workers N`, and every instance sharing the folder, tells the same."""
        try:
            found = backups_in(self.folder)
        except OSError:
            return None
        return found[-1][0] if found else None


BACKUPS = web.AppKey("backups", BackupState)


def folder_of(settings: Settings) -> Path:
    return settings.backup_dir or settings.data_dir / "backups"


def _due(settings: Settings, state: BackupState) -> bool:
    last = state.last_at
    interval = settings.backup_interval_hours * 3600
    return last is None or (datetime.now(UTC) - last).total_seconds() >= interval


async def backup_if_due(app: web.Application) -> Backup | None:
    """Take a scheduled backup if the newest is older than the interval; prune after it."""
    if not _due(app[SETTINGS], app[BACKUPS]):
        return None  # the usual answer, without a connection
    return await backup_under_lock(app)


async def backup_under_lock(app: web.Application) -> Backup | None:
    """What `backup_if_due` runs once the folder says a backup is due: take the lock,
    and look at the folder again under it, since another worker or instance may have
    written one between our look and the lock (it releases the lock only after its
    backup has its final name)."""
    settings = app[SETTINGS]
    state = app[BACKUPS]
    assert settings.database_url
    conn = await asyncpg.connect(settings.database_url)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
            return None  # another instance is taking it
        try:
            if not _due(settings, state):
                return None
            made = await dump(settings, state.folder / backup_name(datetime.now(UTC)))
            # under the lock, so two instances never prune while the other writes
            pruned = prune(state.folder, settings.backup_keep)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await conn.close()
    state.last_error = None
    log.info(
        "backup written: %s (%d bytes, %.1f s); %d old ones removed",
        made.path,
        made.bytes,
        made.seconds,
        len(pruned),
    )
    return made


async def _loop(app: web.Application, failures: Counter) -> None:
    settings = app[SETTINGS]
    state = app[BACKUPS]
    while True:
        try:
            await backup_if_due(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the tools or the disk may be missing: say so, try later
            state.last_error = str(exc)[:500]
            state.failures += 1
            failures.inc()
            log.warning("scheduled backup failed: %s", state.last_error)
        await asyncio.sleep(
            min(settings.backup_interval_hours * 3600, settings.backup_check_seconds)
        )


async def scheduled(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the backup state for /readyz and /metrics, and the daily backups."""
    settings = app[SETTINGS]
    state = BackupState(scheduled=bool(settings.backup_auto), folder=folder_of(settings))
    app[BACKUPS] = state
    registry = app[METRICS].registry
    Gauge(
        "moderation_backup_last_success_timestamp_seconds",
        "When the newest backup in BACKUP_DIR was taken (0: none)",
        registry=registry,
    ).set_function(lambda: state.last_at.timestamp() if state.last_at else 0.0)
    failures = Counter(
        "moderation_backup_failures", "Scheduled backups that failed", registry=registry
    )
    task = asyncio.create_task(_loop(app, failures)) if state.scheduled else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
