"""A reader's own comments by the signed link of their mail (issue 16), as JSON.

The token of the mailed link stands for the reader's address (ops/reader_links.py);
it travels in the body of a POST, or in the query of a GET or DELETE. Changes are
JSON-only POSTs and a DELETE, which a page on another site cannot make a browser
send without a CORS preflight (granted to none). The pages in web/readers.py do the
same without JavaScript.
"""

from __future__ import annotations

from aiohttp import web

from moderation.http.requests import JSON_TYPES, client_ip, parse, path_id, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_readers import (
    Appealed,
    AppealIn,
    ConfirmOut,
    OwnComment,
    OwnCommentPage,
    TokenIn,
)
from moderation.intake import readers
from moderation.keys import SETTINGS
from moderation.ops import reader_links
from moderation.problems import FieldErrors, Problem


def _json_only(request: web.Request) -> None:
    if request.content_type not in JSON_TYPES:
        raise Problem(
            415,
            "Unsupported media type",
            "Send application/json.",
            headers={"Accept-Post": "application/json"},
        )


def _query_token(request: web.Request) -> str:
    token = request.query.get("token", "")
    if not token:
        raise FieldErrors([{"field": "token", "message": "required"}], "Invalid query")
    return token


async def confirm(request: web.Request) -> web.Response:
    _json_only(request)
    body = parse(TokenIn, await read_payload(request), {})
    await readers.confirm(request.app, body.token)
    return json_response(ConfirmOut().model_dump())


async def own_comments(request: web.Request) -> web.Response:
    email = readers.reader_of(request.app, reader_links.PAGE, _query_token(request))
    items = [
        OwnComment(
            id=c.id,
            article=c.article,
            body=c.body,
            status=c.status.value,
            created_at=c.created_at,
            can_appeal=c.can_appeal,
        )
        for c in await readers.own_comments(request.app, email)
    ]
    return json_response(OwnCommentPage(items=items).model_dump(mode="json"))


async def delete_own(request: web.Request) -> web.Response:
    comment_id = path_id(request.match_info["id"])
    email = readers.reader_of(request.app, reader_links.PAGE, _query_token(request))
    ip = client_ip(request, request.app[SETTINGS].trusted_proxies)
    await readers.delete(request.app, email, comment_id, ip)
    return web.Response(status=204)


async def appeal(request: web.Request) -> web.Response:
    comment_id = path_id(request.match_info["id"])
    _json_only(request)
    body = parse(AppealIn, await read_payload(request), {})
    email = readers.reader_of(request.app, reader_links.PAGE, body.token)
    ip = client_ip(request, request.app[SETTINGS].trusted_proxies)
    await readers.appeal(request.app, email, comment_id, body.note, ip)
    return json_response(Appealed(comment_id=comment_id).model_dump(), status=202)
