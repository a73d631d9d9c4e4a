"""Who is calling: the Bearer token of a request and the role it needs.

Tokens and roles are domain words (domain.py). Requests
carry `Authorization: Bearer <token>`: a missing or unknown token is 401, a
token without the role a route needs is 403.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from moderation.domain import Principal, Role, digest
from moderation.keys import POOL
from moderation.problems import Problem
from moderation.store import tokens as token_store


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401, "Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="moderation"'}
    )


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authenticate(request: web.Request, token: str | None) -> Principal:
    if not token:
        raise _unauthorized("Send an API token: Authorization: Bearer <token>.")
    wanted = digest(token)
    row = await token_store.find_active(request.app[POOL], wanted)
    # The lookup is by an index on the hash; compare again in constant time anyway.
    if row is None or not hmac.compare_digest(row["hash"], wanted):
        raise _unauthorized("The token is unknown or revoked.")
    return Principal(token_id=row["id"], name=row["name"], role=Role(row["role"]))


async def require(request: web.Request, role: Role) -> Principal:
    """The caller, if their token grants `role`; 401 or 403 otherwise."""
    principal = await authenticate(request, bearer(request))
    if not principal.may(role):
        raise Problem(403, "Forbidden", f"This needs a token with the {role.value} role.")
    return principal
