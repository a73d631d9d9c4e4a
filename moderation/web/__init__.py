"""Browser pages: the moderator's desk and the embeddable article page.

Routes:
- /desk (the queue), /desk/decisions, /desk/comments/{id}, /desk/decide,
  /desk/login, /desk/logout: the moderators' desk, behind a session cookie;
- /desk/models (and its forms and job JSON, see desk_models.py): the admins' Models page;
- /embed/{article} (GET and POST): the comments of an article and its form,
  for an iframe; /demo: a sample article that embeds it;
- /static/: the pages' styles and scripts (no inline ones: see security.py).
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from moderation.keys import SETTINGS
from moderation.review import text
from moderation.web import (
    desk_auth,
    desk_models,
    desk_queue,
    desk_review,
    embed,
    render,
    security,
)

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
    app.add_routes(desk_auth.routes)
    app.add_routes(desk_queue.routes)
    app.add_routes(desk_review.routes)
    app.add_routes(desk_models.routes)
    app.add_routes(embed.routes)
    app.middlewares.append(render.page_errors)
    app.on_response_prepare.append(security.add_headers)
