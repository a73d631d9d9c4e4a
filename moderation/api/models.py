"""The admin API for models: registry, activation, training jobs, labels, what-if."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from moderation import jobs
from moderation.api.public import json_response
from moderation.api.requests import parse, read_payload
from moderation.auth import Role, require
from moderation.classifier import persist
from moderation.classifier.data import DataError, read_csv, read_jsonl
from moderation.classifier.train import Targets
from moderation.errors import FieldErrors, Problem
from moderation.events import model_activated
from moderation.keys import MODEL, POOL, RULES, SETTINGS
from moderation.rescore import rescore_pending
from moderation.schemas import ID_MAX
from moderation.simulate import project, thresholds_for
from moderation.store import models as model_store
from moderation.store import training as store

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_IMPORT_BYTES = 50 * 1024 * 1024


class TrainingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_seed: bool = True


def model_view(row: Any, detail: bool = False) -> dict[str, Any]:
    meta = dict(row["metadata"])
    view = {
        "version": row["version"],
        "state": row["state"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "activated_at": row["activated_at"],
        "figures": meta.get("evaluation", {}).get("heldout"),
        "thresholds": meta.get("thresholds"),
        "training_data": meta.get("training_data"),
        "comparison": meta.get("comparison"),
    }
    if detail:
        meta.pop("validation", None)  # raw held-out scores: large, and only for the simulator
        view["metadata"] = meta
    return view


def job_view(row: Any) -> dict[str, Any]:
    return dict(row)


@routes.get("/v1/admin/models")
async def list_models(request: web.Request) -> web.Response:
    await require(request, Role.ADMIN)
    rows = await model_store.list_models(request.app[POOL])
    return json_response({"items": [model_view(r) for r in rows], "next_cursor": None})


@routes.post("/v1/admin/models/rollback")
async def rollback(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    previous = await model_store.previous_active(request.app[POOL])
    if previous is None:
        raise Problem(409, "Nothing to roll back to", "No other model has been active.")
    return await _activate(request, previous, f"{who.name} (rollback)")


@routes.get("/v1/admin/models/{version}")
async def show_model(request: web.Request) -> web.Response:
    await require(request, Role.ADMIN)
    row = await model_store.get(request.app[POOL], request.match_info["version"])
    if row is None:
        raise Problem(404, "Not found", "There is no model with that version.")
    return json_response(model_view(row, detail=True))


@routes.post("/v1/admin/models/{version}/activate")
async def activate(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    return await _activate(request, request.match_info["version"], who.name)


async def _activate(request: web.Request, version: str, by: str) -> web.Response:
    app = request.app
    pool = app[POOL]
    data = await model_store.artifact(pool, version)
    if data is None:
        raise Problem(404, "Not found", "There is no model with that version.")
    try:
        model = await asyncio.to_thread(persist.loads, data)  # refuse before it goes live
    except persist.UntrustedModel as exc:
        raise Problem(422, "Model refused", str(exc), kind="untrusted-model") from None
    async with pool.acquire() as conn:
        await model_store.activate(conn, version, by)
    app[MODEL].swap(model)  # this instance at once; the others on the NOTIFY
    model_activated(app, version, by)
    jobs.background(app, rescore_pending(pool, app[MODEL], app[RULES], app[SETTINGS]))
    row = await model_store.get(pool, version)
    return json_response(model_view(row))


@routes.post("/v1/admin/training")
async def start_training(request: web.Request) -> web.Response:
    who = await require(request, Role.ADMIN)
    body = parse(TrainingIn, await read_payload(request) if request.can_read_body else {}, {})
    job_id = await store.create_job(request.app[POOL], body.model_dump(), who.name)
    jobs.spawn_training(request.app, job_id)
    return json_response({"id": job_id, "state": "queued"}, status=202)


@routes.get("/v1/admin/training")
async def list_training(request: web.Request) -> web.Response:
    await require(request, Role.ADMIN)
    rows = await store.list_jobs(request.app[POOL])
    return json_response({"items": [job_view(r) for r in rows], "next_cursor": None})


@routes.get(r"/v1/admin/training/{id:\d+}")
async def show_training(request: web.Request) -> web.Response:
    await require(request, Role.ADMIN)
    job_id = int(request.match_info["id"])
    row = await store.get_job(request.app[POOL], job_id) if job_id <= ID_MAX else None
    if row is None:
        raise Problem(404, "Not found", "There is no training job with that id.")
    return json_response(job_view(row))


@routes.post("/v1/admin/labels")
async def import_labels(request: web.Request) -> web.Response:
    """Labeled comments as JSONL or CSV (the formats `moderation train` reads)."""
    who = await require(request, Role.ADMIN)
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
        imported, duplicates = await store.import_labels(conn, examples, f"import:{name}", who.name)
    return json_response(
        {"imported": imported, "duplicates": duplicates, "source": f"import:{name}"}, status=201
    )


def _targets_from(request: web.Request) -> Targets | None:
    settings = request.app[SETTINGS]
    q = request.query
    if "spam_in_approved" not in q and "ham_in_rejected" not in q:
        return None
    try:
        return Targets(
            spam_in_approved=float(q.get("spam_in_approved", settings.target_spam_in_approved)),
            ham_in_rejected=float(q.get("ham_in_rejected", settings.target_ham_in_rejected)),
            confidence=float(q.get("confidence", settings.threshold_confidence)),
        )
    except ValueError:
        raise FieldErrors(
            [{"field": "spam_in_approved", "message": "targets must be numbers"}], "Invalid query"
        ) from None


@routes.get("/v1/admin/simulate")
async def simulate(request: web.Request) -> web.Response:
    """Projected volumes and errors for targets (or thresholds) and a model (default: active)."""
    await require(request, Role.ADMIN)
    app = request.app
    version = request.query.get("version")
    if version:
        data = await model_store.artifact(app[POOL], version)
        if data is None:
            raise Problem(404, "Not found", "There is no model with that version.")
        model = await asyncio.to_thread(persist.loads, data)
    else:
        model = app[MODEL].model
    targets = _targets_from(request)
    if targets is not None and not all(
        0 < t < 0.5 for t in (targets.spam_in_approved, targets.ham_in_rejected)
    ):
        raise FieldErrors(
            [{"field": "spam_in_approved", "message": "targets must be between 0 and 0.5"}],
            "Invalid query",
        )
    try:
        thresholds, basis = thresholds_for(model, targets)
    except ValueError as exc:
        raise Problem(409, "Cannot derive thresholds", str(exc)) from None
    if "low" in request.query or "high" in request.query:
        try:
            low = float(request.query.get("low", thresholds.low))
            high = float(request.query.get("high", thresholds.high))
        except ValueError:
            low = high = -1.0
        if not 0 <= low <= high <= 1:
            raise FieldErrors(
                [{"field": "low", "message": "need 0 <= low <= high <= 1"}], "Invalid query"
            )
        thresholds = dataclasses.replace(thresholds, low=low, high=high)
        basis = "given"
    history = await store.site_labels(app[POOL])
    replay = "site labels"
    if not history:
        history, replay = [], "none yet: no moderator or imported labels"
    projection = await asyncio.to_thread(project, model, history, thresholds)
    return json_response(
        {
            "model_version": model.version,
            "thresholds": {"low": thresholds.low, "high": thresholds.high, "basis": basis},
            "history": replay,
            **projection,
        }
    )
