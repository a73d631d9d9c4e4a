"""Site rules at run time: admins change them, every instance applies them within a second.

The environment's values (MODERATION_BLOCKED_EMAILS, ...) are the rules until the
first change; from then on the `site_rules` row is. A change is one transaction
(the row, a history row, a NOTIFY); each instance LISTENs on a dedicated
connection, as for models (registry/hotswap.py), and also re-reads the row every
`model_check_seconds` in case a notification was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import asyncpg
from aiohttp import web

from moderation.keys import POOL, RULES, SETTINGS
from moderation.problems import Problem
from moderation.rules import SiteRules
from moderation.store import site_rules as site_rule_store

log = logging.getLogger(__name__)


def _base(app: web.Application) -> SiteRules:
    return SiteRules.from_settings(app[SETTINGS])


async def refresh(app: web.Application) -> bool:
    """Apply every site's stored rules that are newer than the ones in use; True if any."""
    live = app[RULES]
    swapped = False
    for row in await site_rule_store.every_site(app[POOL]):
        site = row["site"]
        if row["version"] == live.version_of(site):
            continue
        live.swap(SiteRules.from_dict(row["rules"]), row["version"], site)
        log.info("site rules version %s of %s in effect", row["version"], site)
        swapped = True
    return swapped


async def current(app: web.Application, site: str) -> dict[str, Any]:
    """A site's rules in effect, with who last changed them (`by` null: the environment's)."""
    row = await site_rule_store.current(app[POOL], site)
    if row is None:
        return {**_base(app).to_dict(), "version": 0, "changed_by": None, "changed_at": None}
    return {
        **SiteRules.from_dict(row["rules"]).to_dict(),
        "version": row["version"],
        "changed_by": row["changed_by"],
        "changed_at": row["changed_at"],
    }


async def replace(
    app: web.Application,
    site: str,
    who: str,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Replace the lists (and `max_links`) that `changes` names, keep the others.

    `changes` holds validated values (http/schemas_desk.RulesIn). Applied here at once,
    and on the other instances when they hear the NOTIFY. With `expected_version` (the
    version an editor started from), a change made since is a 409, not overwritten.
    """
    async with app[POOL].acquire() as conn, conn.transaction():
        row = await site_rule_store.current_for_update(conn, site)
        if expected_version is not None and (row["version"] if row else 0) != expected_version:
            raise Problem(
                409,
                "Rules changed meanwhile",
                f"{row['changed_by'] if row else 'Someone'} changed the rules since you opened "
                "them; look at their change and edit again.",
                kind="stale",
            )
        before = SiteRules.from_dict(row["rules"]) if row else _base(app)
        merged = {**before.to_dict(), **changes}
        rules = SiteRules.from_dict(merged).to_dict()  # one normal form (networks as text)
        version = (row["version"] if row else 0) + 1
        await site_rule_store.save(conn, site, version, rules, sorted(changes), who)
    await refresh(app)
    return await current(app, site)


async def add(
    app: web.Application, site: str, who: str, list_name: str, value: str
) -> dict[str, Any]:
    """Add one value to one list (a moderator's "Block sender"); nothing if it is there."""
    if list_name not in SiteRules.LISTS:
        raise ValueError(list_name)
    now = await current(app, site)
    values = list(now[list_name])
    if value in values:
        return now
    return await replace(app, site, who, {list_name: [*values, value]})


async def history(app: web.Application, site: str, limit: int = 20) -> list[dict[str, Any]]:
    rows = await site_rule_store.history(app[POOL], site, limit)
    return [
        {
            "version": r["version"],
            "changed": list(r["changed"]),
            "changed_by": r["changed_by"],
            "changed_at": r["changed_at"],
            "rules": r["rules"],
        }
        for r in rows
    ]


async def _watch(app: web.Application) -> None:
    settings = app[SETTINGS]
    assert settings.database_url
    wake: asyncio.Event = asyncio.Event()

    def notified(*args: Any) -> None:
        wake.set()

    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(settings.database_url, timeout=10)
            await conn.add_listener(site_rule_store.CHANNEL, notified)
            await refresh(app)  # whatever changed while we were not listening
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=settings.model_check_seconds)
                wake.clear()
                await refresh(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database went away: retry, keep the rules in use
            log.warning("rules watch interrupted (%s); retrying", type(exc).__name__)
            await asyncio.sleep(min(5.0, settings.model_check_seconds))
        finally:
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()


async def rules_watch(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the stored rules before the first request, then follow changes."""
    await refresh(app)
    task = asyncio.create_task(_watch(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
