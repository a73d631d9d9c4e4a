"""A training job: learn from the site's labels, compare with the live model, register.

The job runs in its own process (`moderation train-job ID`, started by the
instance that accepted the request), so training never competes with
serving for the event loop, and a crash or an out-of-memory kill takes down
only the job. Progress and a heartbeat go to the job's row.
"""

from __future__ import annotations

import asyncio
import logging
import math
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
from moderation.domain import DEFAULT_SITE
from moderation.ops import redact
from moderation.ops.webhooks import envelope, urls_for
from moderation.registry.loading import load_artifact, targets_of
from moderation.rules import SiteRules
from moderation.settings import Settings
from moderation.store import models as model_store
from moderation.store import training as training_store
from moderation.store import webhooks as webhook_store

log = logging.getLogger(__name__)

RECENT_SHARE = 0.2  # the newest fifth of the site's labels judges a candidate
MIN_PER_CLASS = 5  # labels per class a judging set needs to say anything


def split(site: Sequence[Example], include_seed: bool) -> tuple[list[Example], list[Example]]:
    """(training set, the site's newest labels) from the site's labels, oldest first.

    A model is judged on the comments it will meet next, so the newest fifth by time,
    not a random fifth that would share authors and threads with the training part.
    Of the seed corpus only its training part: the held-out part is a judging line
    (`judging_sets`), which a candidate that had learnt it would pass unfairly.
    """
    cut = len(site) - math.ceil(len(site) * RECENT_SHARE)
    fit, recent = list(site[:cut]), list(site[cut:])
    if include_seed:
        seed_fit, _ = seed.load_corpus()
        fit += seed_fit
    return fit, recent


def _enough(examples: Sequence[Example]) -> bool:
    n_spam = sum(e.spam for e in examples)
    return min(n_spam, len(examples) - n_spam) >= MIN_PER_CLASS


def validation_record(proba: np.ndarray[Any, Any], held: Sequence[Example]) -> dict[str, Any]:
    """Held-out scores kept with the model, so what-if questions can re-derive thresholds."""
    return {
        "proba": [round(float(p), 5) for p in proba],
        "spam": [bool(e.spam) for e in held],
    }


def judging_sets(recent: Sequence[Example]) -> dict[str, list[Example]]:
    """The sets a candidate and the active model are compared on, first one decides.

    The site's newest labels when they hold enough of both classes, then the
    independent set's report half (written apart from the seed corpus, never trained
    on; its other half picked the seed model's thresholds, so judging on it would
    favour the seed); the seed corpus's held-out part last, and only as a secondary
    line: both models score their own writers' comments too well for it to tell them
    apart. Neither model trained on any of these (`split`).
    """
    _, report = seed.load_independent()
    _, seed_held = seed.load_corpus()
    sets = {"site_recent": list(recent), "independent": report, "seed_heldout": seed_held}
    return {name: examples for name, examples in sets.items() if _enough(examples)}


def compare(
    candidate: TrainedModel,
    active: TrainedModel | None,
    recent: Sequence[Example],
    rules: SiteRules,
) -> dict[str, Any]:
    """Both models on the same judging sets, through the service's decision code."""
    sets = judging_sets(recent)
    if not sets:
        raise TrainingError("no labelled comments of both classes to judge the candidate on")
    decided_on = next(iter(sets))
    lines: dict[str, Any] = {}
    better = True
    for name, examples in sets.items():
        spam = np.array([e.spam for e in examples], dtype=bool)
        proba, statuses = decide_all(candidate, examples, rules)
        line: dict[str, Any] = {
            "n": len(examples),
            "candidate": {"version": candidate.version, **figures(spam, proba, statuses)},
            "active": None,
        }
        if name == decided_on:
            candidate.metadata["validation"] = validation_record(proba, examples)
        if active is not None:
            a_proba, a_statuses = decide_all(active, examples, rules)
            line["active"] = {"version": active.version, **figures(spam, a_proba, a_statuses)}
            line["better"] = is_better(line["candidate"], line["active"])
            if name == decided_on:
                better = line["better"]
        lines[name] = line
    first = lines[decided_on]
    return {
        # The first set's figures, as before, so existing readers keep working.
        "heldout": {
            "n": first["n"],
            "set": decided_on,
            "sources": dict(Counter(e.source for e in sets[decided_on])),
        },
        "candidate": first["candidate"],
        "active": first["active"],
        "decided_on": decided_on,
        "sets": lines,
        "better": better,
    }


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
    job = await training_store.get_job(pool, None, job_id)
    assert job is not None
    site_id: str = job["site"]
    params = job["params"]
    latest: list[str] = ["starting"]

    async def report(stage: str, percent: int, message: str) -> None:
        latest[0] = message
        await training_store.progress(pool, job_id, stage, percent, message)
        print(f"job {job_id}: [{percent:3d}%] {message}", file=sys.stderr, flush=True)

    try:
        started = time.perf_counter()
        await report("labels", 5, "reading labels")
        site = await training_store.site_labels(pool, site_id)
        fit, held = split(site, bool(params.get("include_seed", True)))
        await report(
            "training",
            15,
            f"training on {len(fit)} labels ({len(site)} from the site), "
            f"the newest {len(held)} kept to judge it",
        )
        # Training is CPU-bound: a thread keeps this loop free for heartbeats.
        heartbeat = asyncio.create_task(_beat(pool, job_id, latest))
        try:
            model = await asyncio.to_thread(
                train,
                fit,
                heldout=held,
                identity=True,  # a site's own senders are real signals (classifier/features)
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
        probe.check(model)  # a ProbeFailed (a ValueError) fails the job: nothing registered
        await report("evaluating", 80, "scoring candidate and active model on the judging sets")
        # A site without a model of its own is served the installation's: judge against it.
        active_row = await model_store.active(pool, site_id) or await model_store.active(
            pool, DEFAULT_SITE
        )
        active = None
        if active_row is not None:
            active = await load_artifact(active_row["artifact"])
        comparison = await asyncio.to_thread(compare, model, active, held, rules)
        model.metadata.update(
            job_id=job_id,
            label_sources=dict(Counter(e.source for e in fit)),
            comparison={k: comparison[k] for k in ("heldout", "better")},
        )
        await report("storing", 90, f"registering candidate {model.version}")
        artifact = await asyncio.to_thread(persist.dumps, model)
        async with pool.acquire() as conn:
            await model_store.insert(
                conn,
                site=site_id,
                version=model.version,
                state="candidate",
                artifact=artifact,
                metadata={**model.metadata, "thresholds": model.thresholds.to_dict()},
                created_by=job["created_by"],
            )
            activate = settings.auto_activate and comparison["better"]
            if activate:
                by = f"auto (job {job_id})"
                await model_store.activate(conn, site_id, model.version, by)
                # No sender runs in this process: the outbox row is posted by an instance.
                data = {"site": site_id, "version": model.version, "by": by}
                await webhook_store.enqueue(
                    conn,
                    site_id,
                    "model.activated",
                    envelope("model.activated", data),
                    await urls_for(conn, settings, site_id),
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
