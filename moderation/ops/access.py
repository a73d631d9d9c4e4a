"""Access: making API tokens (the API, the CLI and the tests all call here)."""

from __future__ import annotations

from typing import Any

import asyncpg

from moderation.domain import DEFAULT_SITE, Role, digest, new_site_key, new_token
from moderation.problems import Problem
from moderation.store import tokens as token_store


async def create_token(
    conn: asyncpg.Connection | asyncpg.Pool, name: str, role: str, site: str | None = None
) -> tuple[str, Any]:
    """A new token for one site, or (`site` None) for every site: the secret (shown once)
    and its stored row. Site keys are Akismet-compatible (domain.new_site_key); they show
    4 characters in lists, and always stand for one site."""
    secret = new_site_key() if role == Role.SITE else new_token()
    prefix = secret[:4] if role == Role.SITE else secret[:10]
    if role == Role.SITE and site is None:
        site = DEFAULT_SITE
    try:
        row = await token_store.create(conn, name, role, digest(secret), prefix, site)
    except asyncpg.UniqueViolationError:
        raise Problem(409, "Name taken", f"An active token is already named {name!r}.") from None
    except asyncpg.ForeignKeyViolationError:
        raise Problem(404, "Not Found", f"There is no site {site!r}.") from None
    return secret, row
