"""The desk's Models page, for admins: versions side by side, training, activation, what-if.

- GET /desk/models: the registry's versions with their held-out figures, the latest
  comparison of a candidate with the model that was active, the training form and the
  panel of a job, and the what-if simulator (a GET form: `sim=1` runs it);
- GET /desk/models/jobs/{id}.json: a job's state and progress, for static/models.js;
- POST /desk/models/train, /desk/models/activate, /desk/models/rollback: CSRF-checked
  forms that answer with a 303 back to the page and a flash message.

Moderators get a 403 page: these change what every instance serves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from moderation.classifier.train import Targets
from moderation.http.requests import is_id
from moderation.http.responses import json_response
from moderation.keys import MODEL, POOL, SETTINGS
from moderation.ops.jobs import STALE_SECONDS
from moderation.problems import Problem
from moderation.registry import activation, loading, whatif
from moderation.store import desk as desk_store
from moderation.store import models as model_store
from moderation.store import training as training_store
from moderation.web import models_view, sessions
from moderation.web.desk_queue import context
from moderation.web.render import render, see_other

PAGE = "/desk/models"
RECENT_JOBS = 5
REFRESH_SECONDS = 3  # the job panel's reload without JavaScript
MAX_TARGET_PCT = 50.0


def _admins_only() -> Problem:
    return Problem(
        403, "Admins only", "The Models page changes what every instance serves: admins only."
    )


async def admin_session(request: web.Request) -> sessions.DeskSession:
    session = await sessions.required(request)
    if not session.who.is_admin:
        raise _admins_only()
    return session


async def _admin_form(request: web.Request) -> tuple[sessions.DeskSession, Any]:
    session = await admin_session(request)
    form = await request.post()
    sessions.check_csrf(session.csrf, form.get("csrf"))
    return session, form


# --- the simulator's form -------------------------------------------------------------


@dataclass(slots=True)
class WhatIfForm:
    """What the admin typed (shown back as typed) and what it means."""

    values: dict[str, str]
    targets: Targets | None = None
    low: float | None = None
    high: float | None = None
    errors: list[str] = field(default_factory=list)


def _number(raw: str, name: str, lo: float, hi: float, errors: list[str]) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (lo <= value <= hi):  # NaN fails too
        errors.append(f"{name} must be a number from {lo:g} to {hi:g}.")
        return None
    return value


def what_if_form(query: Any, settings: Any, versions: list[str]) -> WhatIfForm:
    names = ("version", "spam_pct", "ham_pct", "low", "high")
    values = {k: str(query.get(k, "")).strip()[:40] for k in names}
    form = WhatIfForm(values)
    if values["version"] and values["version"] not in versions:
        form.errors.append("Choose a model version from the list.")
    spam = _number(values["spam_pct"], "Spam among approved", 0.0, MAX_TARGET_PCT, form.errors)
    ham = _number(values["ham_pct"], "Ham among rejected", 0.0, MAX_TARGET_PCT, form.errors)
    for pct, label in ((spam, "Spam among approved"), (ham, "Ham among rejected")):
        if pct is not None and not 0 < pct < MAX_TARGET_PCT:
            form.errors.append(f"{label} must be more than 0 and less than 50 %.")
    if not form.errors and (spam is not None or ham is not None):
        form.targets = loading.targets_of(
            settings,
            spam_in_approved=None if spam is None else spam / 100,
            ham_in_rejected=None if ham is None else ham / 100,
        )
    form.low = _number(values["low"], "Low threshold", 0.0, 1.0, form.errors)
    form.high = _number(values["high"], "High threshold", 0.0, 1.0, form.errors)
    if form.low is not None and form.high is not None and form.low > form.high:
        form.errors.append("The low threshold cannot be above the high one.")
    return form


async def _run_what_if(request: web.Request, site: str, form: WhatIfForm) -> dict[str, Any] | None:
    if form.errors:
        return None
    try:
        model = await loading.load_version(request.app, site, form.values["version"] or None)
        result = await whatif.what_if(request.app, site, model, form.targets, form.low, form.high)
    except Problem as exc:
        form.errors.append(exc.detail or exc.title)
        return None
    except ValueError as exc:
        message = str(exc)
        form.errors.append(message[:1].upper() + message[1:].rstrip(".") + ".")
        return None
    return models_view.what_if_view(result)


# --- pages ------------------------------------------------------------------------------


def _busy(job: dict[str, Any] | None, row: Any) -> bool:
    """A job that is queued or running and still reporting (a dead one does not block)."""
    if job is None or job["done"]:
        return False
    last = row["heartbeat_at"] or row["created_at"]
    return bool(datetime.now(UTC) - last < timedelta(seconds=STALE_SECONDS))


async def models_page(request: web.Request) -> web.StreamResponse:
    session = await admin_session(request)
    app = request.app
    pool, site = app[POOL], session.site
    now = datetime.now(UTC)
    previous = await model_store.previous_active(pool, site)
    rows = await model_store.list_models(pool, site)
    versions = [models_view.version_row(r, previous, now) for r in rows]
    active = next((v for v in versions if v["state"] == "active"), None)
    job_rows = await training_store.list_jobs(pool, site, RECENT_JOBS)
    serving = app[MODEL].for_site(site)

    raw_job = request.query.get("job", "")
    job_row = job_rows[0] if job_rows else None
    if is_id(raw_job):
        job_row = await training_store.get_job(pool, site, int(raw_job)) or job_row
    job = models_view.job_view(job_row, now) if job_row else None
    compared = next((r for r in job_rows if r["comparison"]), None)
    if job_row is not None and job_row["comparison"]:
        compared = job_row

    simulating = request.query.get("sim") == "1"
    form = what_if_form(request.query, app[SETTINGS], [v["version"] for v in versions])
    what_if = await _run_what_if(request, site, form) if simulating else None
    ctx = await context(
        request,
        session,
        "models",
        versions=versions,
        figure_labels=[label for _, label, _ in models_view.FIGURES],
        active=active,
        serving=serving.version,
        own_low=models_view.number(serving.thresholds.low),
        own_high=models_view.number(serving.thresholds.high),
        previous=previous,
        job=job,
        jobs=[models_view.job_view(r, now) for r in job_rows],
        busy=_busy(models_view.job_view(job_rows[0], now), job_rows[0]) if job_rows else False,
        comparison=models_view.comparison_view(compared) if compared else None,
        labels=await desk_store.label_counts(pool, site),
        sim=form.values,
        sim_errors=form.errors if simulating else [],
        what_if=what_if,
        simulating=simulating,
        settings=app[SETTINGS],
        # Without JavaScript the page reloads itself while a job runs (not over a simulation).
        refresh=REFRESH_SECONDS if job and not job["done"] and not simulating else None,
    )
    status = 400 if simulating and form.errors else 200
    return render(request, "models.html", ctx, status=status)


async def job_json(request: web.Request) -> web.StreamResponse:
    """The job panel's data, for the script; problems as JSON too (the script shows them)."""
    session = await sessions.current(request)
    if session is None:
        return json_response({"status": 401, "title": "Signed out"}, status=401)
    if not session.who.is_admin:
        return json_response({"status": 403, "title": "Admins only"}, status=403)
    raw = request.match_info["id"]
    row = (
        await training_store.get_job(request.app[POOL], session.site, int(raw))
        if is_id(raw)
        else None
    )
    if row is None:
        return json_response({"status": 404, "title": "Not found"}, status=404)
    return json_response(models_view.job_view(row))


# --- forms ------------------------------------------------------------------------------


async def train_form(request: web.Request) -> web.StreamResponse:
    session, form = await _admin_form(request)
    pool = request.app[POOL]
    latest = await training_store.list_jobs(pool, session.site, 1)
    if latest and _busy(models_view.job_view(latest[0]), latest[0]):
        running = latest[0]["id"]
        await sessions.flash(
            request,
            session,
            {"kind": "error", "text": f"Training job {running} is still running: wait for it."},
        )
        return see_other(f"{PAGE}?job={running}#job")
    include_seed = form.get("include_seed") in ("1", "on", "true")
    try:
        job_id = await activation.start_training(
            request.app, session.site, include_seed, session.who.name
        )
    except Problem as exc:  # another job started meanwhile (on this or another instance)
        if exc.status != 409:
            raise
        await sessions.flash(request, session, {"kind": "error", "text": str(exc)})
        return see_other(f"{PAGE}?job={exc.extra.get('job_id', '')}#job")
    seed = "with" if include_seed else "without"
    await sessions.flash(
        request,
        session,
        {"kind": "ok", "text": f"Training job {job_id} started ({seed} the seed corpus)."},
    )
    return see_other(f"{PAGE}?job={job_id}#job")


async def activate_form(request: web.Request) -> web.StreamResponse:
    session, form = await _admin_form(request)
    version = form.get("version")
    if not isinstance(version, str) or not version or len(version) > 200:
        raise Problem(400, "Malformed form", "The form names no model version.")
    try:
        await activation.activate(request.app, session.site, version, session.who.name)
    except Problem as exc:
        message = {"kind": "error", "text": f"{version} was not activated: {exc.detail}"}
    else:
        message = {
            "kind": "ok",
            "text": f"Activated {version}; pending comments are being re-scored with it.",
        }
    await sessions.flash(request, session, message)
    return see_other(f"{PAGE}#versions")


async def rollback_form(request: web.Request) -> web.StreamResponse:
    session, _ = await _admin_form(request)
    try:
        version = await activation.rollback(request.app, session.site, session.who.name)
    except Problem as exc:
        message = {"kind": "error", "text": f"Not rolled back: {exc.detail}"}
    else:
        message = {"kind": "ok", "text": f"Rolled back: {version} is active again."}
    await sessions.flash(request, session, message)
    return see_other(f"{PAGE}#versions")
