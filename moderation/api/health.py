"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio

from aiohttp import web

from moderation.http.responses import json_response
from moderation.keys import MODEL, POOL
from moderation.ops.backup_schedule import BACKUPS
from moderation.problems import DATABASE_DOWN
from moderation.store import migrations


async def healthz(request: web.Request) -> web.Response:
    """The process is alive and its event loop answers."""
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready for traffic: the database answers, the schema is current, the model scores."""
    body: dict[str, object] = {"model_version": request.app[MODEL].version}
    if (backups := request.app.get(BACKUPS)) is not None:
        body["last_backup_at"] = backups.last_at
    try:
        async with asyncio.timeout(2):
            async with request.app[POOL].acquire() as conn:
                missing = await migrations.pending(conn)
    except DATABASE_DOWN:
        body.update(status="unavailable", database=False)
        return json_response(body, status=503, headers={"Retry-After": "5"})
    body.update(database=True, pending_migrations=[m.name for m in missing])
    if missing:
        body["status"] = "unavailable"
        return json_response(body, status=503, headers={"Retry-After": "5"})
    # A model that cannot score would fail every submission: not ready either.
    broken = request.app[MODEL].scores()
    body["model"] = broken is None
    if broken is not None:
        body.update(status="unavailable", model_error=broken)
        return json_response(body, status=503, headers={"Retry-After": "5"})
    body["status"] = "ok"
    return json_response(body)
