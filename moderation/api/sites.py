"""The admin API for sites (issue 13): list them, make one. Only a token of every site
makes sites; an admin of one site sees that site alone."""

from __future__ import annotations

from aiohttp import web

from moderation.domain import Role
from moderation.http.auth import require
from moderation.http.requests import parse, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_sites import SiteIn
from moderation.keys import POOL, SETTINGS
from moderation.ops import sites
from moderation.problems import Problem
from moderation.store import sites as site_store


async def list_sites(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    rows = await site_store.list_all(request.app[POOL])
    items = [sites.view(r) for r in rows if who.sees(r["id"])]
    return json_response({"items": items, "next_cursor": None})


async def create_site(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    if who.site is not None:
        raise Problem(403, "Forbidden", "Only a token of every site makes sites.")
    body = parse(SiteIn, await read_payload(request), {})
    own = sites.check_settings(request.app[SETTINGS], body.settings)
    site = await sites.create(request.app[POOL], body.id, body.name, body.origins, own)
    sites.directory(request.app).forget(site.id)
    return json_response(sites.view(site), status=201)
