"""Audits keep the automation honest: its real error rate, and what happens past the target.

A share of automatic decisions (`audit_share`, 2 % by default) is marked when
the comment is stored (intake/submission.assess, store/audits.INSERT_CTE); the
comment keeps its status, and a moderator's next decision on it confirms or
overturns it (review/decisions). From the resolved audits of the model's own
decisions (`confident_ham`, `confident_spam`; a rule's rejection or a known
author's approval is not the model's error) come the realised error of
automatic approvals (spam that was published) and of automatic rejections (ham
that was not), each with a one-sided 95 % upper bound (Clopper-Pearson).

The rule that tightens thresholds, checked every `audit_check_seconds` for each
model in service (the installation's, and every site's own; a model's audits come
from every site it serves):

- per decision (approvals, rejections), count the audits resolved since the
  last step;
- when at least `MIN_AUDITS` are resolved, at least one was overturned, and
  the 95 % upper bound is above that decision's target (`spam_in_approved`,
  `ham_in_rejected` of the model's thresholds), go one level up
  (`classifier.thresholds.tightened`: each level halves the room for that
  automatic decision), up to `MAX_LEVEL`;
- the step is a row in `threshold_steps` (one instance writes it; the others
  read it on their next check), a warning in the log and a
  `thresholds.tightened` webhook to the site that owns the model (`default` for
  the installation's), whose `site` field names it. A new model starts at level 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import numpy as np
from aiohttp import web

from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import MAX_LEVEL, upper_bound
from moderation.keys import MODEL, POOL, SETTINGS
from moderation.ops.events import thresholds_tightened
from moderation.ops.observability import METRICS
from moderation.store import audits as audit_store
from moderation.store import sites as site_store

log = logging.getLogger(__name__)

MIN_AUDITS = 30
CONFIDENCE = 0.95


def realised(resolved: int, overturned: int) -> dict[str, Any]:
    """The error rate of one kind of automatic decision, as audits measured it."""
    bound = float(upper_bound(np.array([overturned]), np.array([resolved]), CONFIDENCE)[0])
    return {
        "resolved": resolved,
        "overturned": overturned,
        "error_rate": round(overturned / resolved, 4) if resolved else None,
        "upper_bound_95": round(bound, 4) if resolved else None,
    }


def step_due(resolved: int, overturned: int, target: float, level: int) -> bool:
    """The rule in the module docstring, for one decision."""
    if level >= MAX_LEVEL or resolved < MIN_AUDITS or overturned == 0:
        return False
    return bool(realised(resolved, overturned)["upper_bound_95"] > target)


def _targets(model: TrainedModel) -> dict[str, float]:
    return {
        "approved": model.thresholds.spam_in_approved,
        "rejected": model.thresholds.ham_in_rejected,
    }


async def check(app: web.Application) -> list[dict[str, Any]]:
    """Take the steps that are due for every model in service (the installation's and each
    site's own), load their levels, refresh the gauges; the steps taken."""
    live = app[MODEL]
    taken = []
    for owner, model in live.served().items():
        taken += await _check_model(app, owner, model)
    await _gauges(app)
    return taken


async def _check_model(
    app: web.Application, owner: str, model: TrainedModel
) -> list[dict[str, Any]]:
    """The rule for one model. Its audits count from every site it serves (the
    installation's model serves each site without its own); `owner` names whose it is."""
    pool, live = app[POOL], app[MODEL]
    version = model.version
    targets = _targets(model)
    taken = []
    since = await audit_store.since_last_step(pool, version)
    for decision, row in since.items():
        if not step_due(row["resolved"], row["overturned"], targets[decision], row["level"]):
            continue
        figures = realised(row["resolved"], row["overturned"])
        level = row["level"] + 1
        if await audit_store.add_step(
            pool,
            version,
            decision,
            level,
            row["resolved"],
            row["overturned"],
            figures["upper_bound_95"],
        ):
            step = {
                "site": owner,
                "model_version": version,
                "decision": decision,
                "level": level,
                "target": targets[decision],
                **figures,
            }
            log.warning(
                "audits: automatic %s err above target; thresholds tightened %s", decision, step
            )
            thresholds_tightened(app, step)
            taken.append(step)
    live.levels[version] = await audit_store.levels(pool, version)
    return taken


async def _gauges(app: web.Application) -> None:
    """Each site's figures for the model that serves it, as `/metrics` gauges."""
    metrics = app.get(METRICS)
    if metrics is None:
        return
    pool, live = app[POOL], app[MODEL]
    served = {site: live.for_site(site).version for site in await site_store.ids(pool)}
    every = await audit_store.figures(pool, served)
    for gauge in (metrics.audit_error, metrics.audit_bound, metrics.audit_level):
        gauge.clear()  # a removed site or a retired model leaves no stale series
    metrics.audits_open.clear()
    for site, whole in every.items():
        level = live.levels.get(served[site], {})
        for decision in ("approved", "rejected"):
            f = realised(whole[decision]["resolved"], whole[decision]["overturned"])
            metrics.audit_error.labels(site, decision).set(f["error_rate"] or 0.0)
            metrics.audit_bound.labels(site, decision).set(f["upper_bound_95"] or 1.0)
            metrics.audit_level.labels(site, decision).set(level.get(decision, 0))
        metrics.audits_open.labels(site).set(whole["open"])


async def _watch(app: web.Application) -> None:
    every = app[SETTINGS].audit_check_seconds
    # The bound needs SciPy's statistics, a second's import that serving needs nowhere
    # else: import it in a thread, so the loop goes on answering meanwhile.
    await asyncio.to_thread(importlib.import_module, "scipy.stats")
    while True:
        try:
            await check(app)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("audit check skipped (%s)", type(exc).__name__)
        await asyncio.sleep(every)


async def audit_watch(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_watch(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def audit_figures(app: web.Application, site: str) -> dict[str, Any]:
    """What a site's audits say of the model that serves it (its own, else the
    installation's): realised errors, bounds, targets, levels."""
    live = app[MODEL]
    model = live.for_site(site)
    whole = (await audit_store.figures(app[POOL], {site: model.version}))[site]
    level = live.levels.get(model.version, {})
    targets = _targets(model)
    return {
        "model_version": model.version,
        "open": whole["open"],
        **{
            d: {
                **realised(whole[d]["resolved"], whole[d]["overturned"]),
                "target": targets[d],
                "level": level.get(d, 0),
            }
            for d in ("approved", "rejected")
        },
    }
