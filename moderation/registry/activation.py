"""The model registry's operations, shared by the admin API and the desk's Models page:
activation (refuse what does not load, swap, announce, re-score the queue), rollback and
starting a training job. They raise `Problem`s with the API's statuses; loading is
loading.py, the what-if replay whatif.py.
"""

from __future__ import annotations

import logging

from aiohttp import web

from moderation.domain import DEFAULT_SITE
from moderation.keys import MODEL, POOL
from moderation.ops import jobs, redact
from moderation.ops.events import model_activated
from moderation.problems import Problem
from moderation.registry.loading import load_checked
from moderation.registry.rescore import rescore_pending
from moderation.store import models as model_store
from moderation.store import sites as site_store
from moderation.store import training as training_store

log = logging.getLogger(__name__)


def _no_such_model() -> Problem:
    return Problem(404, "Not found", "There is no model with that version.")


async def activate(app: web.Application, site: str, version: str, by: str) -> None:
    """Make `version` the site's live model: refuse an artifact that does not load, swap,
    re-score the site's queue. Another site's model is not found here."""
    pool = app[POOL]
    data = await model_store.artifact(pool, site, version)
    if data is None:
        raise _no_such_model()
    model = await load_checked(data)  # refuse before it goes live
    async with pool.acquire() as conn:
        await model_store.activate(conn, site, version, by)
    app[MODEL].swap(model, site)  # this instance at once; the others on the NOTIFY
    model_activated(app, site, version, by)
    jobs.background(app, _rescore_served(app, site))


async def _rescore_served(app: web.Application, site: str) -> None:
    """Re-score the queue of every site the new model decides: the installation's model
    also decides the sites that have no model of their own."""
    served = [site]
    if site == DEFAULT_SITE:
        live = app[MODEL]
        served += [s for s in await site_store.ids(app[POOL]) if not live.has_own(s)]
    for each in served:
        try:
            await rescore_pending(app, each)
        except Exception as exc:  # one site's failure leaves the next sites' queues to do
            log.error("re-scoring the queue of %s failed: %s", each, redact.summary(exc))


async def rollback(app: web.Application, site: str, by: str) -> str:
    """Activate the version the site had active before the current one; returns it."""
    previous = await model_store.previous_active(app[POOL], site)
    if previous is None:
        raise Problem(409, "Nothing to roll back to", "No other model has been active.")
    await activate(app, site, previous, f"{by} (rollback)")
    return previous


async def start_training(app: web.Application, site: str, include_seed: bool, by: str) -> int:
    """Queue a training job and start its process on this instance; returns its id.

    One job at a time per service: 409, naming the job, while another is queued or
    running (a job whose process went away is closed first, so it cannot block).
    """
    params = {"include_seed": include_seed}
    pool = app[POOL]
    await training_store.fail_stale_jobs(pool, jobs.STALE_SECONDS)
    try:
        job_id = await training_store.create_job(pool, site, params, by)
    except training_store.JobRunning as exc:
        raise Problem(
            409,
            "Training job running",
            f"Training job {exc.job_id} is still running; one job runs at a time.",
            kind="training-job-running",
            extra={"job_id": exc.job_id},
        ) from None
    jobs.spawn_training(app, job_id)
    return job_id
