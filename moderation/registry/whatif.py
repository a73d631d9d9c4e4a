"""What-if: replay labeled history against proposed targets or thresholds.

`what_if` is the simulator the admin API and the Models page call; `project` is
the pure replay it runs off the event loop.

Thresholds for proposed targets are re-derived from the model's own held-out
scores (kept with the model when it was trained), never from the history
being replayed, so the projection is not flattered by data the model saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiohttp import web

from moderation.classifier.data import Example
from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import Thresholds
from moderation.classifier.train import Targets
from moderation.keys import POOL
from moderation.store import training as training_store


def thresholds_for(model: TrainedModel, targets: Targets | None) -> tuple[Thresholds, str]:
    """The model's own thresholds, or ones for other targets from its validation scores."""
    if targets is None:
        return model.thresholds, "model"
    validation = model.metadata.get("validation")
    if not validation or not validation.get("proba"):
        raise ValueError(
            f"model {model.version} kept no held-out scores; give thresholds instead of targets"
        )
    proba = np.array(validation["proba"], dtype=float)
    spam = np.array(validation["spam"], dtype=bool)
    return targets.thresholds(proba, spam), "derived from the model's held-out scores"


def project(
    model: TrainedModel, history: Sequence[Example], thresholds: Thresholds
) -> dict[str, Any]:
    """Shares approved, rejected and queued, and the errors expected, on labeled history."""
    scorer = model.scorer
    proba = np.array([scorer.score(e.comment).probability for e in history], dtype=float)
    spam = np.array([e.spam for e in history], dtype=bool)
    n = len(history)
    approved = proba < thresholds.low
    rejected = proba > thresholds.high
    queued = ~(approved | rejected)
    spam_approved = int((approved & spam).sum())
    ham_rejected = int((rejected & ~spam).sum())
    auto = int((approved | rejected).sum())

    def share(mask: np.ndarray[Any, Any]) -> float:
        return round(float(mask.mean()), 4) if n else 0.0

    return {
        "n": n,
        "spam": int(spam.sum()),
        "ham": n - int(spam.sum()),
        "approved": share(approved),
        "rejected": share(rejected),
        "queued": share(queued),
        "expected_errors": {
            "spam_approved": spam_approved,
            "ham_rejected": ham_rejected,
            "spam_in_approved": round(spam_approved / int(approved.sum()), 4)
            if approved.any()
            else 0.0,
            "ham_in_rejected": round(ham_rejected / int(rejected.sum()), 4)
            if rejected.any()
            else 0.0,
            "auto_error_rate": round((spam_approved + ham_rejected) / auto, 4) if auto else 0.0,
        },
    }


@dataclass(frozen=True, slots=True)
class WhatIf:
    model_version: str
    thresholds: Thresholds
    own: Thresholds  # the model's own, for the baseline
    basis: str  # "model", "derived from the model's held-out scores" or "given"
    history: str  # what was replayed
    projection: dict[str, Any]  # simulate.project's answer
    baseline: dict[str, Any] | None  # the same replay at the model's own thresholds


async def what_if(
    app: web.Application,
    site: str,
    model: TrainedModel,
    targets: Targets | None,
    low: float | None = None,
    high: float | None = None,
) -> WhatIf:
    """The simulator: thresholds for the targets (or the given ones), replayed on site labels.

    Raises ValueError when targets need held-out scores the model did not keep, or the
    thresholds are not 0 <= low <= high <= 1.
    """
    thresholds, basis = thresholds_for(model, targets)
    if low is not None or high is not None:
        low = thresholds.low if low is None else low
        high = thresholds.high if high is None else high
        if not 0 <= low <= high <= 1:
            raise ValueError("the thresholds need 0 ≤ low ≤ high ≤ 1")
        thresholds = dataclasses.replace(thresholds, low=low, high=high)
        basis = "given"
    history = await training_store.site_labels(app[POOL], site)
    replay = "site labels" if history else "none yet: no moderator or imported labels"
    projection = await asyncio.to_thread(project, model, history, thresholds)
    baseline = None
    own = model.thresholds
    if history and (own.low, own.high) != (thresholds.low, thresholds.high):
        baseline = await asyncio.to_thread(project, model, history, own)
    return WhatIf(model.version, thresholds, own, basis, replay, projection, baseline)
