"""The admin API for readers' personal data: export and erasure by email."""

from __future__ import annotations

from aiohttp import web

from moderation.domain import Role
from moderation.http.auth import require_site
from moderation.http.responses import json_response
from moderation.keys import POOL, SETTINGS
from moderation.problems import FieldErrors
from moderation.settings import EraseMode
from moderation.store import check_privacy
from moderation.store import privacy as privacy_store


def _email(request: web.Request) -> str:
    email = request.match_info["email"].strip()
    if "@" not in email or len(email) > 254:
        raise FieldErrors(
            [{"field": "email", "message": "not an email address"}], "Invalid request"
        )
    return email


async def export(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    email = _email(request)
    data = await privacy_store.export(request.app[POOL], site, email)
    data["checks"] = await check_privacy.export(request.app[POOL], site, email)
    return json_response(data)


async def erase(request: web.Request) -> web.Response:
    """Erase a reader: anonymise their comments, or remove them, as the site chose."""
    _, site = await require_site(request, Role.ADMIN)
    email = _email(request)
    mode = request.app[SETTINGS].erase_mode
    async with request.app[POOL].acquire() as conn:
        if mode is EraseMode.REMOVE:
            counts = await privacy_store.remove(conn, site, email)
        else:
            counts = await privacy_store.anonymise(conn, site, email)
        remove = mode is EraseMode.REMOVE
        checks = await check_privacy.erase(conn, site, email, remove, privacy_store.ANONYMOUS)
    return json_response({"mode": mode.value, **counts, "checks": checks})
