"""Access: making API tokens (the API, the CLI and the tests all call here)."""

from __future__ import annotations

from typing import Any

import asyncpg

from moderation.domain import digest, new_token
from moderation.problems import Problem
from moderation.store import tokens as token_store


async def create_token(
    conn: asyncpg.Connection | asyncpg.Pool, name: str, role: str
) -> tuple[str, Any]:
    """A new token: the secret (shown once) and its stored row."""
    secret = new_token()
    try:
        row = await token_store.create(conn, name, role, digest(secret), secret[:10])
    except asyncpg.UniqueViolationError:
        raise Problem(409, "Name taken", f"An active token is already named {name!r}.") from None
    return secret, row
