"""The application factory: routes, middlewares and resources with a lifetime."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from moderation import web as pages
from moderation.api import routes as api_routes
from moderation.classifier.live import LiveModel
from moderation.http.cors import cors
from moderation.http.deadlines import body_deadline
from moderation.http.errors import problem_middleware
from moderation.intake import akismet
from moderation.intake.lookups import READER, FactsReader
from moderation.intake.writer import WRITER, CommentWriter
from moderation.keys import MODEL, POOL, RULES, SECRET_KEY, SETTINGS
from moderation.ops import backup_schedule, jobs, mail, redact, secret_key, site_rules, webhooks
from moderation.ops.audits import audit_watch
from moderation.ops.observability import METRICS, Metrics, observe
from moderation.ops.pages import page_watch
from moderation.ops.reads import read_replicas
from moderation.ops.retention import retention
from moderation.ops.signing import SECRET
from moderation.ops.sites import SITES, SiteDirectory
from moderation.registry import hotswap
from moderation.registry.loading import load_active_model
from moderation.rules import LiveRules, SiteRules
from moderation.settings import Settings
from moderation.store import db, migrations

log = logging.getLogger(__name__)


async def database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if not settings.database_url:
        raise RuntimeError("no database URL: `moderation serve` starts an embedded PostgreSQL")
    pool = await db.create_pool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        server_settings=mail.pool_settings(settings),
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
        app[READER] = reader = FactsReader(
            pool,
            tasks=max(1, min(2, settings.pool_max_size // 4)),
            confirmed_only=settings.mail_on,
        )
        try:
            yield
        finally:
            await reader.close()
            await writer.close()
    finally:
        await pool.close()


async def classifier(app: web.Application) -> AsyncIterator[None]:
    model = await load_active_model(app[POOL], app[SETTINGS])
    log.info("serving model %s", model.version)
    app[MODEL] = LiveModel(model)
    yield


def create_app(settings: Settings) -> web.Application:
    app = web.Application(
        # observe wraps everything, so it sees the final status of every answer; cors
        # wraps the problems, so a site's script can read an error too.
        middlewares=[observe, cors, problem_middleware],
        client_max_size=settings.max_request_bytes,
    )
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[RULES] = LiveRules(SiteRules.from_settings(settings))
    app[SECRET_KEY] = secret_key.server_key(settings)
    app[SITES] = SiteDirectory()
    redact.quiet_malformed_requests()
    app[SECRET] = app[SECRET_KEY]  # readers' cookies and links: the same server key
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(read_replicas)
    app.cleanup_ctx.append(page_watch)
    app.cleanup_ctx.append(classifier)
    app.cleanup_ctx.append(akismet.lifetime)
    app.cleanup_ctx.append(hotswap.model_watch)
    app.cleanup_ctx.append(site_rules.rules_watch)
    app.cleanup_ctx.append(jobs.lifetime)
    app.cleanup_ctx.append(retention)
    app.cleanup_ctx.append(audit_watch)
    app.cleanup_ctx.append(webhooks.sender)
    app.cleanup_ctx.append(mail.sender)
    app.cleanup_ctx.append(backup_schedule.scheduled)
    app.add_routes(api_routes.ROUTES)
    pages.setup(app)
    app.middlewares.append(body_deadline)  # innermost: see http/deadlines.py
    return app
