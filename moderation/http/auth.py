"""Who is calling: the Bearer token of a request, the role it needs, and its site.

Tokens and roles are domain words (domain.py). Requests
carry `Authorization: Bearer <token>`: a missing or unknown token is 401, a
token without the role a route needs is 403.

A token is for one site or for every site (issue 13). A request acts on one site:
`?site=` if given, else the token's own site, else `default`. A site the token does
not see is 404, as an unknown one is: nobody learns which other sites exist.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from moderation.domain import DEFAULT_SITE, Principal, Role, digest
from moderation.keys import POOL
from moderation.problems import Problem
from moderation.store import sites as site_store
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
    return Principal(token_id=row["id"], name=row["name"], role=Role(row["role"]), site=row["site"])


async def require(request: web.Request, role: Role) -> Principal:
    """The caller, if their token grants `role`; 401 or 403 otherwise."""
    principal = await authenticate(request, bearer(request))
    if not principal.may(role):
        raise Problem(403, "Forbidden", f"This needs a token with the {role.value} role.")
    return principal


def unknown_site(site: str) -> Problem:
    return Problem(404, "Not Found", f"There is no site {site[:64]!r}.")


async def site_for(request: web.Request, principal: Principal, asked: str | None = None) -> str:
    """The site this request acts on (`asked`, else `?site=`, else the token's own)."""
    if asked is None:
        asked = request.query.get("site") or None
    if asked is None:
        return principal.site or DEFAULT_SITE
    if not principal.sees(asked):
        raise unknown_site(asked)
    if asked != principal.site and await site_store.get(request.app[POOL], asked) is None:
        raise unknown_site(asked)
    return asked


async def require_site(request: web.Request, role: Role) -> tuple[Principal, str]:
    """The caller (as `require`) and the one site the request acts on."""
    principal = await require(request, role)
    return principal, await site_for(request, principal)
