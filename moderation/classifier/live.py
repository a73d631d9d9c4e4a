"""The model an instance is using right now, swappable while requests run.

Requests read `live.model` once and use that object to the end, so a swap
never mixes two models inside one decision.
"""

from __future__ import annotations

from moderation.classifier.features import CommentText
from moderation.classifier.model import Score
from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import Thresholds, tightened


class LiveModel:
    def __init__(self, model: TrainedModel) -> None:
        self.model = model
        # Threshold levels that audits imposed, per model version (see ops/audits).
        self.levels: dict[str, dict[str, int]] = {}

    def thresholds(self, model: TrainedModel) -> Thresholds:
        """The model's thresholds, tightened as far as audits have asked."""
        level = self.levels.get(model.version)
        if not level:
            return model.thresholds
        return tightened(model.thresholds, level.get("approved", 0), level.get("rejected", 0))

    @property
    def version(self) -> str:
        return self.model.version

    def swap(self, model: TrainedModel) -> None:
        self.model = model

    def score(self, comment: CommentText, explain: int = 6) -> tuple[TrainedModel, Score]:
        """The score with its `explain` strongest features, plus the strongest spam-ward
        words: meta tokens often outweigh words, and the desk highlights words."""
        model = self.model
        return model, model.assess(comment, explain, explain // 2)
