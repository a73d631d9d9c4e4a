"""The admin API for models: registry, activation, training jobs, labels, what-if."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from moderation.classifier.data import DataError, read_csv, read_jsonl
from moderation.classifier.train import Targets
from moderation.domain import Role
from moderation.http.auth import require_site
from moderation.http.requests import float_param, is_id, parse, read_payload
from moderation.http.responses import json_response
from moderation.http.schemas_moderator import TrainingIn
from moderation.keys import POOL, SETTINGS
from moderation.problems import FieldErrors, Problem
from moderation.registry import activation, loading, whatif
from moderation.registry.presenters import model_view
from moderation.store import models as model_store
from moderation.store import training as training_store

log = logging.getLogger(__name__)
MAX_IMPORT_BYTES = 50 * 1024 * 1024


def job_view(row: Any) -> dict[str, Any]:
    return dict(row)


async def list_models(request: web.Request) -> web.Response:
    """The site's own models (a site without one is served the installation's)."""
    _, site = await require_site(request, Role.ADMIN)
    rows = await model_store.list_models(request.app[POOL], site)
    return json_response({"items": [model_view(r) for r in rows], "next_cursor": None})


async def rollback_model(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.ADMIN)
    version = await activation.rollback(request.app, site, who.name)
    return json_response(model_view(await model_store.get(request.app[POOL], site, version)))


async def show_model(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    row = await model_store.get(request.app[POOL], site, request.match_info["version"])
    if row is None:
        raise Problem(404, "Not found", "There is no model with that version.")
    return json_response(model_view(row, detail=True))


async def activate_model(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.ADMIN)
    version = request.match_info["version"]
    await activation.activate(request.app, site, version, who.name)
    return json_response(model_view(await model_store.get(request.app[POOL], site, version)))


async def start_training(request: web.Request) -> web.Response:
    who, site = await require_site(request, Role.ADMIN)
    body = parse(TrainingIn, await read_payload(request) if request.can_read_body else {}, {})
    job_id = await activation.start_training(request.app, site, body.include_seed, who.name)
    return json_response({"id": job_id, "state": "queued"}, status=202)


async def list_training(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    rows = await training_store.list_jobs(request.app[POOL], site)
    return json_response({"items": [job_view(r) for r in rows], "next_cursor": None})


async def show_training(request: web.Request) -> web.Response:
    _, site = await require_site(request, Role.ADMIN)
    raw = request.match_info["id"]
    row = await training_store.get_job(request.app[POOL], site, int(raw)) if is_id(raw) else None
    if row is None:
        raise Problem(404, "Not found", "There is no training job with that id.")
    return json_response(job_view(row))


async def import_labels(request: web.Request) -> web.Response:
    """Labeled comments as JSONL or CSV (the formats `moderation train` reads)."""
    who, site = await require_site(request, Role.ADMIN)
    name = request.query.get("source", "api").strip() or "api"
    raw = await request.content.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise Problem(413, "Request too large", f"Import at most {MAX_IMPORT_BYTES} bytes at once.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(400, "Malformed labels", "The body is not UTF-8 text.") from None
    ctype = request.content_type
    try:
        if ctype in ("text/csv", "application/csv"):
            examples = list(read_csv(text, name))
        elif ctype in ("application/x-ndjson", "application/jsonl", "application/json"):
            examples = list(read_jsonl(text.split("\n"), name))
        else:
            raise Problem(
                415, "Unsupported media type", "Send text/csv or application/x-ndjson (JSONL)."
            )
    except DataError as exc:
        raise FieldErrors([{"field": "body", "message": str(exc)}], "Invalid labels") from None
    async with request.app[POOL].acquire() as conn:
        imported, duplicates = await training_store.import_labels(
            conn, site, examples, f"import:{name}", who.name
        )
    return json_response(
        {"imported": imported, "duplicates": duplicates, "source": f"import:{name}"}, status=201
    )


def _targets_from(request: web.Request) -> Targets | None:
    settings = request.app[SETTINGS]
    spam = float_param(request.query, "spam_in_approved", 1e-6, 0.499)
    ham = float_param(request.query, "ham_in_rejected", 1e-6, 0.499)
    confidence = float_param(request.query, "confidence", 0.5, 0.999)
    if spam is None and ham is None and confidence is None:
        return None
    return loading.targets_of(
        settings, spam_in_approved=spam, ham_in_rejected=ham, confidence=confidence
    )


async def simulate(request: web.Request) -> web.Response:
    """Projected volumes and errors for targets (or thresholds) and a model (default: active)."""
    _, site = await require_site(request, Role.ADMIN)
    model = await loading.load_version(request.app, site, request.query.get("version") or None)
    targets = _targets_from(request)
    low = float_param(request.query, "low", 0, 1)
    high = float_param(request.query, "high", 0, 1)
    try:
        result = await whatif.what_if(request.app, site, model, targets, low, high)
    except ValueError as exc:
        raise Problem(409, "Cannot derive thresholds", str(exc)) from None
    t = result.thresholds
    return json_response(
        {
            "model_version": result.model_version,
            "thresholds": {"low": t.low, "high": t.high, "basis": result.basis},
            "history": result.history,
            **result.projection,
        }
    )
