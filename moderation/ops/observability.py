"""What the service tells its operator: request ids, JSON logs, Prometheus metrics.

Metrics live in a registry per application (no module-level singletons), so
two apps in one process (tests, benchmarks) count separately. Emails and IP
addresses never go into a log line or a label.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from moderation.problems import DATABASE_DOWN

log = logging.getLogger("moderation.access")

REQUEST_ID = "X-Request-ID"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DATABASE_READ_SECONDS = 2.0  # a scrape must not wait for the pool's 10 s connect timeout

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    in_flight: int = 0  # requests being handled now, for a graceful stop

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "moderation_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "moderation_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
        self.decisions = Counter(
            "moderation_decisions", "Comment decisions", ["outcome", "by", "site"], registry=r
        )
        self.queue_depth = Gauge("moderation_queue_depth", "Pending comments", ["site"], registry=r)
        Gauge(
            "moderation_http_requests_in_flight",
            "Requests being handled now (this one included)",
            registry=r,
        ).set_function(lambda: self.in_flight)
        self.model = Gauge(
            "moderation_model_info", "The model this instance serves", ["version"], registry=r
        )
        self.jobs = Gauge(
            "moderation_training_jobs", "Training jobs by state", ["state"], registry=r
        )
        self.webhook_failures = Counter(
            "moderation_webhook_failures", "Webhook deliveries that failed", ["event"], registry=r
        )
        self.webhook_deliveries = Counter(
            "moderation_webhook_deliveries",
            "Webhook deliveries that succeeded",
            ["event"],
            registry=r,
        )

        self.audit_error = Gauge(
            "moderation_audit_error_rate",
            "Realised error of automatic decisions of the model serving the site, from audits",
            ["site", "decision"],
            registry=r,
        )
        self.audit_bound = Gauge(
            "moderation_audit_error_upper_bound",
            "One-sided 95 % upper bound of that error",
            ["site", "decision"],
            registry=r,
        )
        self.audit_level = Gauge(
            "moderation_threshold_level",
            "How many times audits tightened the thresholds of the model serving the site",
            ["site", "decision"],
            registry=r,
        )
        self.audits_open = Gauge(
            "moderation_audits_open", "Audits waiting for a moderator", ["site"], registry=r
        )
        self.database_up = Gauge(
            "moderation_database_up",
            "1 when the database answered the last scrape's reads; 0 while it does not",
            registry=r,
        )

    def decided(self, status: str, rejection: str | None, automatic: bool, site: str) -> None:
        outcome = rejection if status == "rejected" and rejection else status
        self.decisions.labels(outcome, "auto" if automatic else "human", site).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


METRICS = web.AppKey("metrics", Metrics)


def route_of(request: web.Request) -> str:
    """The route's pattern, not the path: ids must not explode the label set."""
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    if resource is None or info.http_exception is not None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id in and out, one JSON log line and metrics per request."""
    incoming = request.headers.get(REQUEST_ID, "")
    request_id = incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex
    started = time.perf_counter()
    status = 500
    metrics = request.app.get(METRICS)
    if metrics is not None:
        metrics.in_flight += 1
    try:
        response = await handler(request)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        exc.headers[REQUEST_ID] = request_id
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = route_of(request)
        if metrics is not None:
            metrics.in_flight -= 1
            metrics.requests.labels(request.method, route, str(status)).inc()
            metrics.latency.labels(route).observe(elapsed)
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
    response.headers[REQUEST_ID] = request_id
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line; fields passed as `extra` are kept."""

    _STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self._STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


async def metrics_handler(request: web.Request) -> web.Response:
    """Prometheus exposition; gauges that live in the database are read now, if it answers.

    An outage's own figures (503s, latencies) must be scrapable during it: when
    the database does not answer within DATABASE_READ_SECONDS, the gauges read
    from it keep their last values, `moderation_database_up` says 0, and the
    answer is still 200.
    """
    from moderation.keys import MODEL, POOL
    from moderation.store import queue as queue_store
    from moderation.store import training as training_store

    metrics = request.app[METRICS]
    metrics.model.clear()
    metrics.model.labels(request.app[MODEL].version).set(1)
    pool = request.app[POOL]
    try:
        async with asyncio.timeout(DATABASE_READ_SECONDS):
            pending = await queue_store.depth_by_site(pool)
            jobs = await training_store.jobs_by_state(pool)
    except DATABASE_DOWN as exc:
        log.warning("metrics: database unavailable: %s", type(exc).__name__)
        metrics.database_up.set(0)
    else:
        metrics.database_up.set(1)
        metrics.queue_depth.clear()
        for row in pending:
            metrics.queue_depth.labels(row["site"]).set(row["n"])
        metrics.jobs.clear()
        for row in jobs:
            metrics.jobs.labels(row["state"]).set(row["n"])
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})
