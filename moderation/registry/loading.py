"""Loading models: the one place an artifact becomes a model, off the event loop.

`persist.loads` refuses an artifact that is not a skops file this service
wrote or that holds types outside its trusted list (`UntrustedModel`); each
caller decides what a refusal means: the API answers 422 (`load_checked`),
the hot swap keeps the model it has, and start-up serves the seed model. A
model that cannot score the probe comments (classifier/probe.py) is refused
the same way, so it is never activated, rolled back to or served, and a
MODERATION_MODEL_FILE that cannot score stops the start with the reason.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from aiohttp import web

from moderation.classifier import persist, probe, seed
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import Targets
from moderation.domain import DEFAULT_SITE
from moderation.keys import MODEL, POOL
from moderation.problems import Problem
from moderation.settings import Settings
from moderation.store import models as model_store

log = logging.getLogger(__name__)


def targets_of(
    settings: Settings,
    *,
    spam_in_approved: float | None = None,
    ham_in_rejected: float | None = None,
    confidence: float | None = None,
) -> Targets:
    """The error rates an operator asks of a new model's thresholds; a figure given (a
    what-if's, from the API or the Models page) overrides the settings' own."""
    return Targets(
        spam_in_approved=(
            settings.target_spam_in_approved if spam_in_approved is None else spam_in_approved
        ),
        ham_in_rejected=(
            settings.target_ham_in_rejected if ham_in_rejected is None else ham_in_rejected
        ),
        confidence=settings.threshold_confidence if confidence is None else confidence,
    )


async def load_artifact(data: bytes) -> TrainedModel:
    """The model in an artifact; `persist.UntrustedModel` if it is not one to trust."""
    return await asyncio.to_thread(persist.loads, data)


async def load_checked(data: bytes) -> TrainedModel:
    """The model in an artifact, or 422 for one this service will not load."""
    try:
        return await load_artifact(data)
    except persist.UntrustedModel as exc:
        raise Problem(422, "Model refused", str(exc), kind="untrusted-model") from None


SEED_WAIT_SECONDS = 900.0


async def load_active_model(pool: asyncpg.Pool, settings: Settings) -> TrainedModel:
    """The model to serve: a configured file, else the registry's active one, else the seed."""
    if settings.model_file:
        try:
            return await asyncio.to_thread(persist.load, settings.model_file)
        except persist.UntrustedModel as exc:
            raise persist.UntrustedModel(
                f"MODERATION_MODEL_FILE {settings.model_file}: {exc}"
            ) from exc
    row = await model_store.active(pool, DEFAULT_SITE)
    if row is not None:
        try:
            return await load_artifact(row["artifact"])
        except persist.UntrustedModel as exc:
            log.error("active model %s refused: %s; serving the seed model", row["version"], exc)
            return await _seed(settings)
    async with pool.acquire() as conn:
        # One instance trains and registers the seed; the others wait and load it.
        # Training the seed takes longer than the pool's command time-out on a small
        # machine: a second worker (serve --workers) must wait it out, not fail.
        await conn.execute(
            "SELECT pg_advisory_lock($1)", model_store.SEED_LOCK_KEY, timeout=SEED_WAIT_SECONDS
        )
        try:
            row = await model_store.active(conn, DEFAULT_SITE)
            if row is not None:
                return await load_artifact(row["artifact"])
            model = await _seed(settings)
            probe.check(model)  # registered only if it can score
            await model_store.insert(
                conn,
                site=DEFAULT_SITE,
                version=model.version,
                state="active",
                artifact=persist.dumps(model),
                metadata={**model.metadata, "thresholds": model.thresholds.to_dict()},
                created_by="seed",
            )
            log.info("registered the seed model %s as active", model.version)
            return model
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", model_store.SEED_LOCK_KEY)


async def _seed(settings: Settings) -> TrainedModel:
    return await asyncio.to_thread(
        seed.seed_model, settings.data_dir / "models", targets_of(settings)
    )


async def load_version(app: web.Application, site: str, version: str | None) -> TrainedModel:
    """A site's registered version (checked like an activation), or the model this
    instance serves the site."""
    live = app[MODEL].for_site(site)
    if not version or version == live.version:
        return live
    data = await model_store.artifact(app[POOL], site, version)
    if data is None:
        raise Problem(404, "Not found", "There is no model with that version.")
    return await load_checked(data)
