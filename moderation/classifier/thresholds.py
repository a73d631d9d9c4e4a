"""Thresholds on the spam probability, derived from the site's target error rates.

The promise is "of the comments decided automatically, at most X % are
wrong". On validation data the model did not train on, the low threshold is
the highest one whose auto-approved set has, with the given confidence, at
most `spam_in_approved` spam (a one-sided Clopper-Pearson upper bound, not the
raw rate, so the promise survives new data); the high threshold likewise for
ham among the auto-rejected.

When the validation scores come from models that never saw the comment's
source at all (grouped folds, see `train`), the observed rates are used
instead of the bound: those models were trained on fewer sources and tested
on an unfamiliar one, so they err more than the final model will, and that
margin does the bound's job. A bound on top, at the usual confidence, stops
nearly all automation, because a new source always brings a few comments
that look nothing like the training data.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class Thresholds:
    low: float  # probability below which a comment is approved
    high: float  # probability above which a comment is rejected as spam
    spam_in_approved: float  # the targets they were derived for
    ham_in_rejected: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Thresholds:
        return cls(**{k: float(d[k]) for k in cls.__dataclass_fields__})


def upper_bound(errors: np.ndarray[Any, Any], n: np.ndarray[Any, Any], confidence: float) -> Any:
    """One-sided Clopper-Pearson upper bound on an error rate (1.0 where n is 0)."""
    # Imported here: SciPy's statistics take a second to import and serving needs them
    # only for audit figures (app.py imports them in the background once ready).
    from scipy.stats import beta

    errors = np.asarray(errors, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ub = beta.ppf(confidence, errors + 1, np.maximum(n - errors, 1e-12))
    ub = np.where(errors >= n, 1.0, ub)
    return np.where(n > 0, ub, 1.0)


def observed(errors: np.ndarray[Any, Any], n: np.ndarray[Any, Any]) -> Any:
    """The observed error rate (0.0 where n is 0: nothing decided, nothing wrong)."""
    errors = np.asarray(errors, dtype=float)
    n = np.asarray(n, dtype=float)
    return np.divide(errors, n, out=np.zeros_like(errors), where=n > 0)


MAX_LOW = 0.5
MIN_HIGH = 0.5


def derive(
    proba: np.ndarray[Any, Any],
    spam: np.ndarray[Any, Any],
    *,
    spam_in_approved: float,
    ham_in_rejected: float,
    confidence: float,
    bounded: bool = True,
) -> Thresholds:
    """Thresholds from validation probabilities `proba` and truth `spam` (bool).

    With `bounded=False` the observed error rates must meet the targets, not
    their upper confidence bounds (`confidence` is then only recorded).
    """
    p = np.asarray(proba, dtype=float)
    y = np.asarray(spam, dtype=bool)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError("probabilities and labels must be 1-D and the same length")
    order = np.argsort(p, kind="stable")
    p, y = p[order], y[order]
    n = len(p)
    # Cut points halfway between distinct scores; cut k separates p[:k] from p[k:].
    distinct = np.flatnonzero(np.diff(p) > 0) + 1
    cuts = np.concatenate(([0], distinct, [n]))
    points = np.concatenate(([0.0], (p[distinct - 1] + p[distinct]) / 2, [1.0]))

    spam_below = np.concatenate(([0], np.cumsum(y)))[cuts]
    rate = functools.partial(upper_bound, confidence=confidence) if bounded else observed
    ub_low = rate(spam_below, cuts)
    ok_low = np.flatnonzero(ub_low <= spam_in_approved)
    low = float(points[ok_low.max()]) if ok_low.size else 0.0

    ham_above = np.concatenate(([0], np.cumsum((~y)[::-1])))[n - cuts]
    ub_high = rate(ham_above, n - cuts)
    ok_high = np.flatnonzero(ub_high <= ham_in_rejected)
    high = float(points[ok_high.min()]) if ok_high.size else 1.0

    if low > high:  # only on degenerate data: never approve what we would reject
        low = high = (low + high) / 2
    # Whatever the validation data allows, never approve automatically what the model
    # thinks more likely spam than not, nor reject what it thinks more likely ham: on
    # cleanly separable data the cut can land far from 0.5, and new kinds of spam fall
    # into that gap.
    low, high = min(low, MAX_LOW), max(high, MIN_HIGH)
    return Thresholds(low, high, spam_in_approved, ham_in_rejected, confidence)


MAX_LEVEL = 4


def tightened(t: Thresholds, approve_level: int = 0, reject_level: int = 0) -> Thresholds:
    """Thresholds after audits showed automation erring more than promised.

    Each level halves the room for an automatic decision: the low threshold is
    halved, and the distance of the high one from 1 is halved. So a level is a
    step whose effect is known beforehand, and four steps leave about a
    sixteenth of the automation at each end.
    """
    if not (approve_level or reject_level):
        return t
    low = t.low / 2 ** min(approve_level, MAX_LEVEL)
    high = 1 - (1 - t.high) / 2 ** min(reject_level, MAX_LEVEL)
    return Thresholds(low, high, t.spam_in_approved, t.ham_in_rejected, t.confidence)
