"""Browser pages: the moderator's desk and the embeddable article page."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Adds the pages' routes, templates and static files to the app."""
