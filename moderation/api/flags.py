"""Reader flags: POST /v1/comments/{id}/flags (public, flood-limited, JSON only).

JSON only, so a page on another site cannot make a reader's browser send one: a
cross-site form cannot post application/json without a CORS preflight, and the
service grants none. The embed page's Report form (web/embed_report.py) carries
its own CSRF token.
"""

from __future__ import annotations

from aiohttp import web

from moderation.http.requests import JSON_TYPES, client_ip, parse, path_id, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_readers import FlagIn, FlagOut
from moderation.intake import flags, readers
from moderation.keys import SETTINGS
from moderation.ops import reader_links
from moderation.problems import Problem

THANKS = "Thank you: a moderator will look at this comment if other readers agree."


async def post_flag(request: web.Request) -> web.Response:
    comment_id = path_id(request.match_info["id"])
    if request.content_type not in JSON_TYPES:
        raise Problem(
            415,
            "Unsupported media type",
            "Send application/json.",
            headers={"Accept-Post": "application/json"},
        )
    body = parse(FlagIn, await read_payload(request), {})
    settings = request.app[SETTINGS]
    await flags.flag(
        request.app,
        body.site,
        comment_id,
        body.reason,
        body.note.strip() if body.note and body.note.strip() else None,
        client_ip(request, settings.trusted_proxies),
        weight=await readers.flag_weight(
            request.app, body.site, request.cookies.get(reader_links.COOKIE)
        ),
    )
    return json_response(FlagOut(comment_id=comment_id, message=THANKS).model_dump(), status=201)
