"""Background work an instance owns: tasks on its loop, and training processes.

Tasks are kept in the app (so they are not garbage-collected mid-flight) and
cancelled on shutdown. A training job runs as `python -m moderation train-job
ID` with the instance's settings; if that process dies without finishing the
job (a crash, an out-of-memory kill), the job is marked failed here, and an
instance that shuts down stops its jobs and records why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from aiohttp import web

from moderation.keys import POOL, SETTINGS, TASKS
from moderation.ops import redact
from moderation.ops.processes import module_argv, module_env
from moderation.store import training as training_store

log = logging.getLogger(__name__)

SETTINGS_ENV = "MODERATION_JOB_SETTINGS"
STALE_SECONDS = 300.0
STOP_GRACE_SECONDS = 5.0


def background(app: web.Application, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    task = asyncio.create_task(work)
    tasks = app[TASKS]
    tasks.add(task)

    def done(t: asyncio.Task[Any]) -> None:
        tasks.discard(t)
        if not t.cancelled() and t.exception() is not None:
            exc = t.exception()
            assert exc is not None
            log.error(
                "background task failed: %s\n%s",
                redact.summary(exc),
                redact.redacted_traceback(exc),
            )

    task.add_done_callback(done)
    return task


def spawn_training(app: web.Application, job_id: int) -> asyncio.Task[Any]:
    return background(app, _run_process(app, job_id))


async def _run_process(app: web.Application, job_id: int) -> None:
    settings = app[SETTINGS]
    env = module_env(os.environ)
    env[SETTINGS_ENV] = settings.model_dump_json()
    proc = await asyncio.create_subprocess_exec(
        *module_argv("train-job", str(job_id)),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await proc.communicate()
    except asyncio.CancelledError:
        # The instance is stopping: its jobs stop with it, on the record.
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        with contextlib.suppress(Exception):
            await training_store.finish_job(
                app[POOL], job_id, state="failed", error="stopped with its service instance"
            )
        raise
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        reason = (
            "the training process was killed (out of memory?)"
            if proc.returncode is not None and proc.returncode < 0
            else f"the training process exited with code {proc.returncode}"
        )
        detail = f"{reason}: {' | '.join(tail)}" if tail else reason
        await training_store.finish_job(app[POOL], job_id, state="failed", error=detail)
        log.error("training job %s: %s", job_id, detail)


async def lifetime(app: web.Application) -> AsyncIterator[None]:
    """Owns background tasks; on start, fails jobs whose process went away."""
    app[TASKS] = set()
    with contextlib.suppress(Exception):
        n = await training_store.fail_stale_jobs(app[POOL], STALE_SECONDS)
        if n:
            log.warning("marked %s stale training job(s) failed", n)
    yield
    tasks = app[TASKS]
    running = list(tasks)
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
