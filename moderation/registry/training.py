"""A training job: learn from the site's labels, compare with the live model, register.

The job runs in its own process (`moderation train-job ID`, started by the
instance that accepted the request), so training never competes with
serving for the event loop, and a crash or an out-of-memory kill takes down
only the job. Progress and a heartbeat go to the job's row.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import asyncpg
import numpy as np

from moderation.classifier import persist, probe, seed
from moderation.classifier.data import Example
from moderation.classifier.evaluate import decide_all, figures
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import TrainingError, train
from moderation.ops import redact
from moderation.ops.webhooks import envelope
from moderation.registry.loading import load_artifact, targets_of
from moderation.rules import SiteRules
from moderation.settings import Settings
from moderation.store import models as model_store
from moderation.store import training as training_store
from moderation.store import webhooks as webhook_store

log = logging.getLogger(__name__)

HELDOUT_EVERY = 5  # a fifth of the site's labels is kept for the comparison
MIN_PER_CLASS = 5  # held-out labels per class before the seed's held-out part is needed


def is_heldout(example: Example) -> bool:
    """A fixed fifth of the labels, by content, so it is the same set in every job."""
    c = example.comment
    digest = hashlib.sha256(f"{c.name}\x1f{c.body}".encode()).digest()
    return digest[0] % HELDOUT_EVERY == 0


def split(site: Sequence[Example], include_seed: bool) -> tuple[list[Example], list[Example]]:
    """(training set, held-out set) from the site's labels and, optionally, the seed."""
    site_fit = [e for e in site if not is_heldout(e)]
    held = [e for e in site if is_heldout(e)]
    fit = list(site_fit)
    if include_seed:
        seed_fit, seed_held = seed.load_corpus()
        fit += seed_fit
        n_spam = sum(e.spam for e in held)
        if min(n_spam, len(held) - n_spam) < MIN_PER_CLASS:
            held += seed_held  # too few site labels to compare on: add the seed's held-out part
        else:
            fit += seed_held
    return fit, held


def validation_record(proba: np.ndarray[Any, Any], held: Sequence[Example]) -> dict[str, Any]:
    """Held-out scores kept with the model, so what-if questions can re-derive thresholds."""
    return {
        "proba": [round(float(p), 5) for p in proba],
        "spam": [bool(e.spam) for e in held],
    }


def compare(
    candidate: TrainedModel,
    active: TrainedModel | None,
    held: Sequence[Example],
    rules: SiteRules,
) -> dict[str, Any]:
    """Both models on the same held-out labels, through the service's decision code."""
    spam = np.array([e.spam for e in held], dtype=bool)
    proba, statuses = decide_all(candidate, held, rules)
    cand = figures(spam, proba, statuses)
    candidate.metadata["validation"] = validation_record(proba, held)
    out: dict[str, Any] = {
        "heldout": {"n": len(held), "sources": dict(Counter(e.source for e in held))},
        "candidate": {"version": candidate.version, **cand},
        "active": None,
        "better": True,
    }
    if active is not None:
        a_proba, a_statuses = decide_all(active, held, rules)
        act = figures(spam, a_proba, a_statuses)
        out["active"] = {"version": active.version, **act}
        out["better"] = is_better(cand, act)
    return out


def is_better(cand: dict[str, Any], act: dict[str, Any]) -> bool:
    """Better: no more ham thrown away, and a higher MCC (or equal MCC, more automation)."""
    if cand["ham_auto_rejected"]["count"] > act["ham_auto_rejected"]["count"]:
        return False
    c_mcc, a_mcc = cand["mcc"] or 0.0, act["mcc"] or 0.0
    return bool(c_mcc > a_mcc or (c_mcc == a_mcc and cand["coverage"] > act["coverage"]))


async def run_job(pool: asyncpg.Pool, job_id: int, settings: Settings, rules: SiteRules) -> None:
    """Run one queued job to its end; every failure is recorded on the job, not raised."""
    if not await training_store.start_job(pool, job_id):
        log.info("job %s is not queued; nothing to do", job_id)
        return
    job = await training_store.get_job(pool, job_id)
    assert job is not None
    params = job["params"]
    latest: list[str] = ["starting"]

    async def report(stage: str, percent: int, message: str) -> None:
        latest[0] = message
        await training_store.progress(pool, job_id, stage, percent, message)
        print(f"job {job_id}: [{percent:3d}%] {message}", file=sys.stderr, flush=True)

    try:
        started = time.perf_counter()
        await report("labels", 5, "reading labels")
        site = await training_store.site_labels(pool)
        fit, held = split(site, bool(params.get("include_seed", True)))
        await report(
            "training",
            15,
            f"training on {len(fit)} labels ({len(site)} from the site), {len(held)} held out",
        )
        # Training is CPU-bound: a thread keeps this loop free for heartbeats.
        heartbeat = asyncio.create_task(_beat(pool, job_id, latest))
        try:
            model = await asyncio.to_thread(
                train,
                fit,
                heldout=held,
                targets=targets_of(settings),
                description=f"training job {job_id}",
                created_by=job["created_by"],
                progress=lambda line: latest.__setitem__(0, line),
            )
        finally:
            heartbeat.cancel()
        # The job's id makes the version unique: two jobs on the same labels in the same
        # second would otherwise name their models alike.
        model.metadata["version"] = f"{model.version}-job{job_id}"
        await report("evaluating", 80, "scoring candidate and active model on held-out labels")
        active_row = await model_store.active(pool)
        active = None
        if active_row is not None:
            active = await load_artifact(active_row["artifact"])
        comparison = await asyncio.to_thread(compare, model, active, held, rules)
        model.metadata.update(
            job_id=job_id,
            label_sources=dict(Counter(e.source for e in fit)),
            comparison={k: comparison[k] for k in ("heldout", "better")},
        )
        probe.check(model)  # a ProbeFailed (a ValueError) fails the job: nothing registered
        await report("storing", 90, f"registering candidate {model.version}")
        artifact = await asyncio.to_thread(persist.dumps, model)
        async with pool.acquire() as conn:
            await model_store.insert(
                conn,
                version=model.version,
                state="candidate",
                artifact=artifact,
                metadata={**model.metadata, "thresholds": model.thresholds.to_dict()},
                created_by=job["created_by"],
            )
            activate = settings.auto_activate and comparison["better"]
            if activate:
                by = f"auto (job {job_id})"
                await model_store.activate(conn, model.version, by)
                # No sender runs in this process: the outbox row is posted by an instance.
                await webhook_store.enqueue(
                    conn,
                    "model.activated",
                    envelope("model.activated", {"version": model.version, "by": by}),
                    settings.webhook_urls,
                )
        await training_store.finish_job(
            pool,
            job_id,
            state="succeeded",
            model_version=model.version,
            comparison=comparison,
            activated=activate,
        )
        log.info("job %s succeeded in %.1f s", job_id, time.perf_counter() - started)
    except (TrainingError, ValueError) as exc:
        await training_store.finish_job(pool, job_id, state="failed", error=str(exc))
    except Exception as exc:  # anything else is a bug, but the job must still end
        log.error(
            "job %s failed: %s\n%s", job_id, redact.summary(exc), redact.redacted_traceback(exc)
        )
        await training_store.finish_job(
            pool, job_id, state="failed", error=f"{type(exc).__name__}: {exc}"
        )


async def _beat(pool: asyncpg.Pool, job_id: int, latest: list[str]) -> None:
    percent = 20
    while True:
        await asyncio.sleep(1)
        percent = min(percent + 2, 75)  # training reports no fraction; show it moving
        await training_store.progress(pool, job_id, "training", percent, latest[0])
