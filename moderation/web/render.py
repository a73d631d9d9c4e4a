"""Rendering pages, and errors on pages as pages (not problem+json)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from moderation.http.errors import Handler
from moderation.problems import DATABASE_DOWN, Problem
from moderation.web.security import area

log = logging.getLogger(__name__)


def render(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, context, status=status)


def see_other(location: str) -> web.Response:
    """A 303 to `location`, as a response to set cookies on (raising would drop them)."""
    return web.Response(status=303, headers={"Location": location})


def error_page(
    request: web.Request,
    status: int,
    title: str,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    response = render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail, "area": area(request.path)},
        status=status,
    )
    response.headers.update(headers or {})
    return response


@web.middleware
async def page_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """On the pages, errors are pages too; the API keeps its problem+json."""
    where = area(request.path)
    if where is None or where == "static":
        return await handler(request)
    try:
        return await handler(request)
    except Problem as exc:
        return error_page(request, exc.status, exc.title, exc.detail, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        return error_page(request, exc.status, exc.reason, None, headers)
    except DATABASE_DOWN as exc:
        log.warning("database unavailable: %s", type(exc).__name__)
        return error_page(
            request,
            503,
            "Service unavailable",
            "The database cannot be reached; try again shortly.",
            {"Retry-After": "5"},
        )


def static_urls(folder: Path) -> Callable[[str], str]:
    """`static(name)` for templates: the file's URL with a content hash, so caches refresh."""
    versions = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in folder.iterdir()
        if path.is_file()
    }

    def static(name: str) -> str:
        return f"/static/{name}?v={versions[name]}"

    return static
