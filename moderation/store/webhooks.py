"""SQL for the webhook outbox."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def enqueue(
    conn: Conn, site: str, event: str, payload: dict[str, Any], urls: list[str]
) -> None:
    if not urls:
        return
    await conn.execute(
        """
        INSERT INTO webhook_deliveries (site, event, url, payload)
        SELECT $4, $1, url, $3 FROM unnest($2::text[]) AS url
        """,
        event,
        urls,
        payload,
        site,
    )


async def lease_due(conn: Conn, limit: int, lease_seconds: float) -> list[asyncpg.Record]:
    """Deliveries due now, leased to this sender so no other instance posts them too."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """
        UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => $2)
        FROM (
            SELECT id FROM webhook_deliveries
            WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
              AND (locked_until IS NULL OR locked_until < now())
            ORDER BY next_attempt_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        ) due
        WHERE d.id = due.id
        RETURNING d.id, d.event, d.url, d.payload, d.attempts
        """,
        limit,
        lease_seconds,
    )
    return rows


async def delivered(conn: Conn, delivery_id: int) -> None:
    await conn.execute(
        """
        UPDATE webhook_deliveries
        SET delivered_at = now(), attempts = attempts + 1, locked_until = NULL, last_error = NULL
        WHERE id = $1
        """,
        delivery_id,
    )


async def failed(conn: Conn, delivery_id: int, error: str, retry_in_seconds: float | None) -> None:
    """A failed attempt: try again later, or give up when `retry_in_seconds` is None."""
    await conn.execute(
        """
        UPDATE webhook_deliveries
        SET attempts = attempts + 1, locked_until = NULL, last_error = $2,
            next_attempt_at = CASE WHEN $3::float8 IS NULL THEN next_attempt_at
                                   ELSE now() + make_interval(secs => $3::float8) END,
            failed_at = CASE WHEN $3::float8 IS NULL THEN now() END
        WHERE id = $1
        """,
        delivery_id,
        error[:500],
        retry_in_seconds,
    )
