"""Figures for a model on labeled comments, through the service's own decision code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from moderation import policy, rules
from moderation.classifier.data import Example
from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import Thresholds
from moderation.domain import Comment, Facts, Status


def as_comment(example: Example) -> Comment:
    c = example.comment
    return Comment(
        article="evaluation", name=c.name or "-", email=c.email or "-", body=c.body, url=c.url
    )


def decide_all(
    model: TrainedModel,
    examples: Sequence[Example],
    site_rules: rules.SiteRules | None = None,
    thresholds: Thresholds | None = None,
) -> tuple[np.ndarray[Any, Any], list[Status]]:
    """Probability and status for each example, exactly as a submission would get them."""
    site_rules = site_rules or rules.SiteRules()
    thresholds = thresholds or model.thresholds
    proba = np.empty(len(examples))
    statuses: list[Status] = []
    for i, ex in enumerate(examples):
        score = model.assess(ex.comment)
        proba[i] = score.probability
        hits = rules.check(as_comment(ex), site_rules)
        d = policy.decide(score, thresholds, hits, Facts(), model_version=model.version)
        statuses.append(d.status)
    return proba, statuses


def figures(
    spam: np.ndarray[Any, Any], proba: np.ndarray[Any, Any], statuses: Sequence[Status]
) -> dict[str, Any]:
    """The evaluation report: classification quality and what automation would do."""
    # Imported here, as all of scikit-learn is outside training: serving never needs it.
    from sklearn.metrics import matthews_corrcoef, roc_auc_score

    y = np.asarray(spam, dtype=bool)
    n = len(y)
    predicted = proba >= 0.5
    approved = np.array([s is Status.APPROVED for s in statuses], dtype=bool)
    rejected = np.array([s is Status.REJECTED for s in statuses], dtype=bool)
    auto = approved | rejected
    wrong = (approved & y) | (rejected & ~y)
    n_spam, n_ham = int(y.sum()), int((~y).sum())
    both = 0 < n_spam < n
    spam_approved = int((approved & y).sum())
    ham_rejected = int((rejected & ~y).sum())
    return {
        "n": n,
        "spam": n_spam,
        "ham": n_ham,
        "accuracy": round(float((predicted == y).mean()), 4) if n else None,
        "mcc": round(float(matthews_corrcoef(y, predicted)), 4) if both else None,
        "roc_auc": round(float(roc_auc_score(y, proba)), 4) if both else None,
        "coverage": round(float(auto.mean()), 4) if n else None,
        "auto_error_rate": round(float(wrong.sum() / auto.sum()), 4) if auto.any() else 0.0,
        "spam_auto_approved": {
            "count": spam_approved,
            "rate": round(spam_approved / n_spam, 4) if n_spam else 0.0,
        },
        "ham_auto_rejected": {
            "count": ham_rejected,
            "rate": round(ham_rejected / n_ham, 4) if n_ham else 0.0,
        },
        "pending": int((~auto).sum()),
    }


def evaluate(
    model: TrainedModel,
    examples: Sequence[Example],
    site_rules: rules.SiteRules | None = None,
) -> dict[str, Any]:
    proba, statuses = decide_all(model, examples, site_rules)
    spam = np.array([ex.spam for ex in examples], dtype=bool)
    return figures(spam, proba, statuses)
