"""SQL for the site rules changed at run time: the current rules and their history."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Instances LISTEN here; the payload is the site and the new version.
CHANNEL = "moderation_rules"


async def current(conn: Conn, site: str) -> asyncpg.Record | None:
    """A site's rules set at run time, or None while the installation's values stand."""
    return await conn.fetchrow(
        "SELECT version, rules, changed_by, changed_at FROM site_rules WHERE site = $1", site
    )


async def every_site(conn: Conn) -> list[asyncpg.Record]:
    """Every site's rules set at run time."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT site, version, rules FROM site_rules ORDER BY site"
    )
    return rows


async def current_for_update(conn: asyncpg.Connection, site: str) -> asyncpg.Record | None:
    """As `current`, locked; with no row yet, two first changes serialise on the lock."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('moderation_rules:' || $1))", site)
    return await conn.fetchrow(
        "SELECT version, rules, changed_by FROM site_rules WHERE site = $1 FOR UPDATE", site
    )


async def save(
    conn: asyncpg.Connection,
    site: str,
    version: int,
    rules: dict[str, Any],
    changed: list[str],
    by: str,
) -> asyncpg.Record:
    """Store the new rules and their history row; NOTIFY goes out on commit."""
    row = await conn.fetchrow(
        """
        INSERT INTO site_rules (site, version, rules, changed_by) VALUES ($4, $1, $2, $3)
        ON CONFLICT (site) DO UPDATE
        SET version = EXCLUDED.version, rules = EXCLUDED.rules,
            changed_by = EXCLUDED.changed_by, changed_at = now()
        RETURNING version, rules, changed_by, changed_at
        """,
        version,
        rules,
        by,
        site,
    )
    await conn.execute(
        "INSERT INTO site_rule_changes (site, version, rules, changed, changed_by) "
        "VALUES ($5, $1, $2, $3, $4)",
        version,
        rules,
        changed,
        by,
        site,
    )
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, f"{site}/{version}")
    assert row is not None
    return row


async def history(conn: Conn, site: str, limit: int = 20) -> list[asyncpg.Record]:
    """A site's latest changes, newest first."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT version, rules, changed, changed_by, changed_at FROM site_rule_changes
        WHERE site = $2 ORDER BY version DESC LIMIT $1
        """,
        limit,
        site,
    )
    return rows
