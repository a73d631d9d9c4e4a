"""SQL for the site rules changed at run time: the current rules and their history."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

# Instances LISTEN here; the payload is the new version.
CHANNEL = "moderation_rules"


async def current(conn: Conn) -> asyncpg.Record | None:
    """The rules set at run time, or None while the environment's values still stand."""
    return await conn.fetchrow(
        "SELECT version, rules, changed_by, changed_at FROM site_rules WHERE id"
    )


async def current_for_update(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """As `current`, locked; with no row yet, two first changes serialise on the lock."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('moderation_rules'))")
    return await conn.fetchrow(
        "SELECT version, rules, changed_by FROM site_rules WHERE id FOR UPDATE"
    )


async def save(
    conn: asyncpg.Connection, version: int, rules: dict[str, Any], changed: list[str], by: str
) -> asyncpg.Record:
    """Store the new rules and their history row; NOTIFY goes out on commit."""
    row = await conn.fetchrow(
        """
        INSERT INTO site_rules (id, version, rules, changed_by) VALUES (true, $1, $2, $3)
        ON CONFLICT (id) DO UPDATE
        SET version = EXCLUDED.version, rules = EXCLUDED.rules,
            changed_by = EXCLUDED.changed_by, changed_at = now()
        RETURNING version, rules, changed_by, changed_at
        """,
        version,
        rules,
        by,
    )
    await conn.execute(
        "INSERT INTO site_rule_changes (version, rules, changed, changed_by) VALUES ($1,$2,$3,$4)",
        version,
        rules,
        changed,
        by,
    )
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(version))
    assert row is not None
    return row


async def history(conn: Conn, limit: int = 20) -> list[asyncpg.Record]:
    """The latest changes, newest first."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        SELECT version, rules, changed, changed_by, changed_at FROM site_rule_changes
        ORDER BY version DESC LIMIT $1
        """,
        limit,
    )
    return rows
