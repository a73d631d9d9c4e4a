"""The Akismet-compatible API (REST API 1.1): form-encoded in, text/plain out."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
