"""SQL for training: jobs and their progress, and the labels a job learns from."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

import asyncpg

from moderation.classifier.data import Example
from moderation.classifier.features import CommentText
from moderation.store import labels

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_JOB = """
id, site, state, params, progress, error, model_version, comparison, activated, created_by,
created_at, started_at, heartbeat_at, finished_at
"""


class JobRunning(Exception):
    """Another training job is queued or running; one runs at a time per service."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"training job {job_id} is still running")
        self.job_id = job_id


async def create_job(conn: Conn, site: str, params: dict[str, Any], created_by: str) -> int:
    """A new queued job; `JobRunning` if one is queued or running already.

    The partial unique index `training_jobs_one_at_a_time` (0010) decides, so
    concurrent requests on any number of instances start one job.
    """
    for _ in range(3):  # the running job may finish between the refusal and the look-up
        try:
            return int(
                await conn.fetchval(
                    "INSERT INTO training_jobs (params, created_by, site) VALUES ($1, $2, $3) "
                    "RETURNING id",
                    params,
                    created_by,
                    site,
                )
            )
        except asyncpg.UniqueViolationError:
            running = await conn.fetchval(
                "SELECT id FROM training_jobs WHERE state IN ('queued', 'running')"
            )
            if running is not None:
                raise JobRunning(int(running)) from None
    raise JobRunning(0)


async def get_job(conn: Conn, site: str | None, job_id: int) -> asyncpg.Record | None:
    """A site's job (`site` None: the runner, which reads the site from the job)."""
    return await conn.fetchrow(
        f"SELECT {_JOB} FROM training_jobs WHERE id = $1 AND ($2::text IS NULL OR site = $2)",
        job_id,
        site,
    )


async def list_jobs(conn: Conn, site: str, limit: int = 50) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {_JOB} FROM training_jobs WHERE site = $2 ORDER BY id DESC LIMIT $1",
        limit,
        site,
    )
    return rows


async def start_job(conn: Conn, job_id: int) -> bool:
    """Claim a queued job for running; False if it is not queued any more."""
    result = await conn.execute(
        """
        UPDATE training_jobs SET state = 'running', started_at = now(), heartbeat_at = now()
        WHERE id = $1 AND state = 'queued'
        """,
        job_id,
    )
    return str(result).endswith(" 1")


async def progress(conn: Conn, job_id: int, stage: str, percent: int, message: str) -> None:
    await conn.execute(
        """
        UPDATE training_jobs SET progress = $2, heartbeat_at = now()
        WHERE id = $1 AND state = 'running'
        """,
        job_id,
        {"stage": stage, "percent": percent, "message": message},
    )


async def finish_job(
    conn: Conn,
    job_id: int,
    *,
    state: str,
    error: str | None = None,
    model_version: str | None = None,
    comparison: dict[str, Any] | None = None,
    activated: bool = False,
) -> None:
    await conn.execute(
        """
        UPDATE training_jobs
        SET state = $2, error = $3, model_version = $4, comparison = $5, activated = $6,
            finished_at = now(), heartbeat_at = now(),
            progress = progress || jsonb_build_object('percent', 100, 'stage', $2::text)
        WHERE id = $1 AND state IN ('queued', 'running')
        """,
        job_id,
        state,
        error,
        model_version,
        comparison,
        activated,
    )


async def fail_stale_jobs(conn: Conn, older_than_seconds: float) -> int:
    """Jobs whose runner stopped reporting (or never started): their process died with
    its instance. A new job is refused while one is queued or running, so these go first."""
    result = await conn.execute(
        """
        UPDATE training_jobs SET state = 'failed', finished_at = now(),
               error = 'the training process stopped reporting (its instance went away)'
        WHERE state IN ('queued', 'running')
          AND coalesce(heartbeat_at, created_at) < now() - make_interval(secs => $1)
        """,
        older_than_seconds,
    )
    return int(result.split()[-1])


async def site_labels(conn: Conn, site: str) -> list[Example]:
    """A site's moderators' labels (with their comments' or checks' text) and imported
    labels, oldest first."""
    rows = await conn.fetch(
        """
        SELECT l.id, l.label, l.source,
               coalesce(c.author_name, k.author_name, l.author_name, '') AS name,
               coalesce(c.author_email, k.author_email, l.author_email, '') AS email,
               coalesce(c.author_url, k.author_url, l.author_url, '') AS url,
               coalesce(c.body, k.body, l.body) AS body
        FROM labels l LEFT JOIN comments c ON c.site = l.site AND c.id = l.comment_id
                      LEFT JOIN checks k ON k.id = l.check_id
        WHERE l.site = $1 AND coalesce(c.body, k.body, l.body) IS NOT NULL
        ORDER BY l.created_at, l.id
        """,
        site,
    )
    return [
        Example(
            CommentText(body=r["body"], name=r["name"], email=r["email"], url=r["url"]),
            r["label"] == "spam",
            source=r["source"],
            group=r["source"].split(":", 1)[0],
        )
        for r in rows
    ]


def content_hash(example: Example) -> str:
    c = example.comment
    return labels.content_hash(c.name, c.email, c.url, c.body)


async def import_labels(
    conn: asyncpg.Connection, site: str, examples: Iterable[Example], source: str, given_by: str
) -> tuple[int, int]:
    """Store imported labels once each; returns (imported, duplicates)."""
    rows = [
        (
            "spam" if e.spam else "ham",
            source,
            given_by,
            e.comment.name,
            e.comment.email,
            e.comment.url,
            e.comment.body,
            content_hash(e),
        )
        for e in examples
    ]
    if not rows:
        return 0, 0
    async with conn.transaction():
        inserted = await conn.fetchval(
            """
            WITH incoming AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                     $5::text[], $6::text[], $7::text[], $8::text[])
                    AS t(label, source, given_by, author_name, author_email, author_url,
                         body, content_hash)
            ), ins AS (
                INSERT INTO labels (label, source, given_by, author_name, author_email,
                                    author_url, body, content_hash, site)
                SELECT DISTINCT ON (content_hash) *, $9::text FROM incoming
                ON CONFLICT (site, content_hash) WHERE content_hash IS NOT NULL DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM ins
            """,
            *[list(col) for col in zip(*rows, strict=True)],
            site,
        )
    return int(inserted), len(rows) - int(inserted)


async def jobs_by_state(conn: Conn) -> list[asyncpg.Record]:
    """(state, n): training jobs per state, for the jobs gauge (ops/observability)."""
    return list(await conn.fetch("SELECT state, count(*) AS n FROM training_jobs GROUP BY state"))
