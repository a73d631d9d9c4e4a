"""Probe comments: a model must score them, to finite probabilities in [0, 1], to serve.

The trusted-types check (persist.py) says a file holds nothing but a pipeline;
it does not say the pipeline can score. A model whose weights are NaN loads
fine and then gives every comment a NaN score, which the database refuses
(`comments_spam_score_check`), so every submission would fail. `check` runs
once per model, wherever a model enters the service: `persist.loads` calls it
for every artifact (activation, rollback, hot swap, start-up, a
MODERATION_MODEL_FILE), training calls it before registering a new model, and
`LiveModel.scores` answers /readyz with it.

The probes are fixed and varied (plain ham, link spam, empty and unusual
text, another script), so the same model always gets the same verdict.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from moderation.classifier.features import CommentText

if TYPE_CHECKING:
    from moderation.classifier.persist import TrainedModel

PROBES: tuple[CommentText, ...] = (
    CommentText("Thanks for the write-up. Did the hospital have offline backups?"),
    CommentText(
        "BUY CHEAP PILLS NOW!!! http://cheap-pills.example/buy http://casino.example/spin",
        name="Best Deals",
        email="deals@spam-mail.example",
        url="http://cheap-pills.example",
    ),
    CommentText("", name="", email=""),
    CommentText("a" * 2000),
    CommentText("Très bien écrit — merci ! 这篇文章很好。 Спасибо за статью."),
    CommentText("\u200b\u202e <script>alert(1)</script> &amp; %00 \\\\ ////"),
)


class ProbeFailed(ValueError):
    """The model cannot score: it must not be registered, activated or served."""


def check(model: TrainedModel) -> None:
    """Return if `model` scores every probe to a finite probability in [0, 1]; else raise."""
    t = model.thresholds
    if not all(math.isfinite(x) and 0 <= x <= 1 for x in (t.low, t.high)) or t.low > t.high:
        raise ProbeFailed(f"model {model.version} has unusable thresholds ({t.low}, {t.high})")
    try:
        if not model.scorer.finite():
            raise ProbeFailed(f"model {model.version} has weights that are not finite numbers")
        for i, comment in enumerate(PROBES):
            p = model.assess(comment, explain=3, spam_words=1).probability
            if not (math.isfinite(p) and 0.0 <= p <= 1.0):
                raise ProbeFailed(f"model {model.version} scores probe comment {i} as {p!r}")
    except ProbeFailed:
        raise
    except Exception as exc:  # a model that raises on ordinary text cannot serve either
        raise ProbeFailed(
            f"model {model.version} fails on the probe comments: {type(exc).__name__}: {exc}"
        ) from exc
