"""The admin API for models: registry, training jobs, labels, what-if."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
