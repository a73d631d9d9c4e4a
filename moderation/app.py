"""The application factory: routes, middlewares and resources with a lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from moderation import openapi
from moderation import web as pages
from moderation.api import admin, akismet, health, models, moderator, privacy, public
from moderation.classifier import persist, seed
from moderation.classifier.live import LiveModel
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import Targets
from moderation.http.errors import problem_middleware
from moderation.intake.submission import site_rules
from moderation.intake.writer import CommentWriter
from moderation.keys import MODEL, POOL, RULES, SETTINGS, WRITER
from moderation.ops import jobs, webhooks
from moderation.ops.observability import METRICS, Metrics, metrics_handler, observe
from moderation.ops.retention import retention
from moderation.registry import hotswap
from moderation.settings import Settings
from moderation.store import db, migrations
from moderation.store import models as model_store

log = logging.getLogger(__name__)


def targets(settings: Settings) -> Targets:
    return Targets(
        spam_in_approved=settings.target_spam_in_approved,
        ham_in_rejected=settings.target_ham_in_rejected,
        confidence=settings.threshold_confidence,
    )


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.database_url:
        raise RuntimeError("no database URL: `moderation serve` starts an embedded PostgreSQL")
    pool = await db.create_pool(
        settings.database_url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
    )
    try:
        if settings.migrate_on_start:
            async with pool.acquire() as conn:
                applied = await migrations.migrate(conn)
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        app[POOL] = pool
        # Writers share the pool with requests: leave most connections to them.
        writer = CommentWriter(pool, tasks=max(1, min(4, settings.pool_max_size // 4)))
        app[WRITER] = writer
        try:
            yield
        finally:
            await writer.close()
    finally:
        await pool.close()


async def load_active_model(pool: asyncpg.Pool, settings: Settings) -> TrainedModel:
    """The model to serve: a configured file, else the registry's active one, else the seed."""
    if settings.model_file:
        return await asyncio.to_thread(persist.load, settings.model_file)
    row = await model_store.active(pool)
    if row is not None:
        try:
            return await asyncio.to_thread(persist.loads, row["artifact"])
        except persist.UntrustedModel as exc:
            log.error("active model %s refused: %s; serving the seed model", row["version"], exc)
            return await _seed(settings)
    async with pool.acquire() as conn:
        # One instance trains and registers the seed; the others wait and load it.
        await conn.execute("SELECT pg_advisory_lock($1)", model_store.SEED_LOCK_KEY)
        try:
            row = await model_store.active(conn)
            if row is not None:
                return await asyncio.to_thread(persist.loads, row["artifact"])
            model = await _seed(settings)
            await model_store.insert(
                conn,
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
    return await asyncio.to_thread(seed.seed_model, settings.data_dir / "models", targets(settings))


async def classifier(app: web.Application) -> AsyncIterator[None]:
    model = await load_active_model(app[POOL], app[SETTINGS])
    log.info("serving model %s", model.version)
    app[MODEL] = LiveModel(model)
    yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        # observe wraps everything, so it sees the final status of every answer.
        middlewares=[observe, problem_middleware],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[RULES] = site_rules(settings)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(classifier)
    app.cleanup_ctx.append(hotswap.model_watch)
    app.cleanup_ctx.append(jobs.lifetime)
    app.cleanup_ctx.append(retention)
    app.cleanup_ctx.append(webhooks.sender)
    app.add_routes(health.routes)
    app.add_routes(public.routes)
    app.add_routes(moderator.routes)
    app.add_routes(admin.routes)
    app.add_routes(models.routes)
    app.add_routes(akismet.routes)
    app.add_routes(privacy.routes)
    app.router.add_get("/metrics", metrics_handler)
    app.router.add_get("/openapi.json", openapi.handler)
    pages.setup(app)
    return app
