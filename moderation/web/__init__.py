"""Browser pages: the moderators' desk and the embeddable article page.

Every path is in web/routes.py; this adds them with the templates, the static
files (/static/, no inline scripts or styles: see security.py), the error pages
and the pages' security headers.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from moderation.keys import SETTINGS
from moderation.review import text
from moderation.web import render, routes, security

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def setup(app: web.Application) -> None:
    """Adds the pages' routes, templates and static files to the app."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped unless a template says otherwise (none do)
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.pop("app", None)  # templates get what a handler passes, never the app's state
    env.globals["static"] = render.static_urls(STATIC)
    env.globals["link_rel"] = text.LINK_REL
    app[security.PAGE_HEADERS] = security.page_headers(app[SETTINGS])
    app.router.add_static("/static/", STATIC, name="static")
    app.add_routes(routes.ROUTES)
    app.middlewares.append(render.page_errors)
    app.on_response_prepare.append(security.add_headers)
