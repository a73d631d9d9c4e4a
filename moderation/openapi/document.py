"""Building the OpenAPI document from the table, and serving it."""

from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    models_json_schema,
)
from pydantic_core import core_schema

from moderation import __version__
from moderation.domain import CONTROL_CHARS, Role
from moderation.http.schemas import DEFAULT_LIMITS
from moderation.keys import SETTINGS
from moderation.openapi.answers import (
    REF,
    ProblemDetails,
)
from moderation.openapi.operations import operations
from moderation.openapi.table import (
    HEADERS,
    PROBLEM_HEADERS,
    PROBLEM_TEXT,
    Operation,
    Param,
    Reply,
)
from moderation.problems import PROBLEM_CONTENT_TYPE
from moderation.settings import Settings

# --- building the document ---------------------------------------------------------------

ROLE_TEXT = {
    "public": "Open to everyone; no token.",
    "optional": "Open to everyone; a Bearer token of any role is optional.",
    "form-key": "The API key (a token with the site or admin role) goes in the form.",
    Role.MODERATOR: "Needs a Bearer token with the moderator role (admins may too).",
    Role.ADMIN: "Needs a Bearer token with the admin role.",
}


# Models whose Python name differs from their component's (and title's), so that they do
# not clash with domain.Status and problems.Problem in the code; the document keeps the
# names it has always published.
COMPONENT_NAMES = {"SubmissionStatus": "Status", "ProblemDetails": "Problem"}


class _Components(GenerateJsonSchema):
    """pydantic's JSON Schema, with the component names of COMPONENT_NAMES."""

    def normalize_name(self, name: str) -> str:
        return super().normalize_name(COMPONENT_NAMES.get(name, name))

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        title = json_schema.get("title")
        if title in COMPONENT_NAMES:
            json_schema["title"] = COMPONENT_NAMES[title]
        return json_schema


# Each model and mode -> its {"$ref": ...}, as pydantic's models_json_schema gives them.
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


def _models(ops: Sequence[Operation]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    seen: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for op in ops:
        if op.body is not None:
            for m in op.body.content.values():
                if isinstance(m, type):
                    seen[(m, "validation")] = None
        for reply in op.replies.values():
            if reply.model is not None:
                seen[(reply.model, "serialization")] = None
        for status in op.problems:
            seen[(op.problem_models.get(status, ProblemDetails), "serialization")] = None
    return list(seen)


def _ref(refs: Refs, model: type[BaseModel], mode: JsonSchemaMode) -> dict[str, Any]:
    return dict(refs[(model, mode)])


# What CommentIn's validators accept, as patterns: no control characters (but tab and line
# breaks in text), something besides white space, and no white space at all in an article id.

_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f]"
TEXT_PATTERN = f"^[^{CONTROL_CHARS}]*{_VISIBLE}[^{CONTROL_CHARS}]*$"
ARTICLE_PATTERN = f"^{_VISIBLE}+$"


def _limit_comment_fields(components: dict[str, Any], settings: Settings) -> None:
    """What the validators check in code: the operator's limits (from the settings) and more."""
    props = components["CommentSubmission"]["properties"]
    limits = {
        "article": DEFAULT_LIMITS.article_chars,
        "name": settings.max_name_chars,
        "email": settings.max_email_chars,
        "url": settings.max_url_chars,
    }
    for name, limit in limits.items():
        target = props[name]
        for option in target.get("anyOf", [target]):
            if option.get("type") == "string":
                option["maxLength"] = limit
    props["article"].update(pattern=ARTICLE_PATTERN, description="The article's id: no spaces.")
    props["name"].update(pattern=TEXT_PATTERN, description="The commenter's name.")
    props["email"].update(format="email", description="Never shown to readers.")
    # A limit in UTF-8 bytes, which JSON Schema cannot express: told, and given as x-max-bytes.
    props["body"].update(
        pattern=TEXT_PATTERN,
        description=f"The comment: at most {settings.max_body_bytes} bytes of UTF-8.",
    )
    props["body"]["x-max-bytes"] = settings.max_body_bytes
    props["url"]["description"] = "An http(s) address; `example.com` means http://example.com."
    props["parent_id"]["description"] = "The comment this replies to (0 or empty: none)."
    props[settings.honeypot_field] = {
        "type": "string",
        "description": "The honeypot: people leave it empty (bots fill it in).",
    }
    # A form has no null: an optional field is left out or empty.
    form = copy.deepcopy(components["CommentSubmission"])
    for prop in form["properties"].values():
        prop.pop("default", None)
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        if options:
            prop.update(options[0])
    form.update(title="CommentForm", description="A comment as an HTML form posts it.")
    components["CommentForm"] = form


def build(settings: Settings) -> dict[str, Any]:
    """The OpenAPI 3.1 document for an app with these settings."""
    ops = operations(settings)
    wanted = _models(ops)
    refs, defs = models_json_schema(wanted, ref_template=REF, schema_generator=_Components)
    components: dict[str, Any] = copy.deepcopy(defs.get("$defs", {}))
    _limit_comment_fields(components, settings)
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comment moderation API",
            "version": __version__,
            "description": (
                "Submit and read comments, review them, run the classifier's models. JSON "
                "bodies, RFC 3339 UTC timestamps, integer ids; lists are "
                '`{"items": [...], "next_cursor": ...}`; errors are application/problem+json '
                "(RFC 9457). The Akismet-compatible API keeps Akismet's paths and its "
                "form-encoded, text/plain style. Browser pages (/desk, /embed, /readers, /demo) "
                "are not part of this API."
            ),
        },
        "tags": [
            {"name": "public", "description": "Article pages: submit and read comments."},
            {"name": "moderator", "description": "The review queue and decisions."},
            {"name": "admin", "description": "Tokens and statistics."},
            {"name": "models", "description": "The model registry, training, what-if."},
            {"name": "privacy", "description": "Readers' personal data."},
            {"name": "articles", "description": "Per-article settings: open, held, closed."},
            {"name": "akismet", "description": "The Akismet-compatible API (REST API 1.1)."},
            {"name": "operations", "description": "Health, readiness, metrics."},
        ],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token: `Authorization: Bearer mod_...`. Roles: "
                    "moderator, admin (everything), site (the Akismet API).",
                }
            },
        },
    }


# Moderators and admins act on one site (http/auth.site_for): these name it or say which.
SITE_PARAM = Param(
    "site",
    "query",
    {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,31}$"},
    "The site to act on (default: the token's own site, else `default`); a site the "
    "token does not see is 404.",
)
UNSITED = {"create_token", "list_tokens", "revoke_token", "list_sites", "create_site"}


def _operation(op: Operation, refs: Refs) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": " ".join(t for t in (op.description, ROLE_TEXT[op.role]) if t),
        "tags": [op.tag],
    }
    if op.role == "optional":
        doc["security"] = [{}, {"bearer": []}]
    elif isinstance(op.role, Role):
        doc["security"] = [{"bearer": []}]
        doc["x-role"] = op.role.value
    params = list(op.params)
    sited = op.role in (Role.MODERATOR, Role.ADMIN) and op.operation_id not in UNSITED
    if sited:
        params.append(SITE_PARAM)
    if params:
        doc["parameters"] = [_param(p) for p in params]
    if op.body is not None:
        content = {
            media: {"schema": _ref(refs, m, "validation") if isinstance(m, type) else m}
            for media, m in op.body.content.items()
        }
        body: dict[str, Any] = {"required": op.body.required, "content": content}
        if op.body.description:
            body["description"] = op.body.description
        doc["requestBody"] = body
    responses: dict[str, Any] = {}
    for status, reply in sorted(op.replies.items()):
        responses[str(status)] = _reply(reply, refs)
    for status in sorted({*op.problems, *((404,) if sited else ())}):
        model = op.problem_models.get(status, ProblemDetails)
        responses[str(status)] = _reply(
            Reply(
                PROBLEM_TEXT[status],
                model,
                media=PROBLEM_CONTENT_TYPE,
                headers=PROBLEM_HEADERS.get(status, ()),
            ),
            refs,
        )
    doc["responses"] = responses
    return doc


def _param(p: Param) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": p.name, "in": p.where, "schema": p.schema}
    if p.where == "path":
        doc["required"] = True
    if p.description:
        doc["description"] = p.description
    return doc


def _reply(reply: Reply, refs: Refs) -> dict[str, Any]:
    doc: dict[str, Any] = {"description": reply.description}
    if reply.model is not None:
        doc["content"] = {reply.media: {"schema": _ref(refs, reply.model, "serialization")}}
    elif reply.schema is not None:
        doc["content"] = {reply.media: {"schema": reply.schema}}
    if reply.also:
        doc.setdefault("content", {}).update({m: {"schema": v} for m, v in reply.also.items()})
    if reply.headers:
        doc["headers"] = {name: HEADERS[name] for name in reply.headers}
    return doc


# --- serving it ----------------------------------------------------------------------------

_documents: weakref.WeakKeyDictionary[web.Application, bytes] = weakref.WeakKeyDictionary()


def document(app: web.Application) -> bytes:
    """The app's document as JSON, built once per app (its settings do not change)."""
    body = _documents.get(app)
    if body is None:
        body = orjson.dumps(build(app[SETTINGS]))
        _documents[app] = body
    return body


async def handler(request: web.Request) -> web.Response:
    return web.Response(body=document(request.app), content_type="application/json")
