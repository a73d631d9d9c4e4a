"""The model an instance is using right now, swappable while requests run.

Requests read `live.model` once and use that object to the end, so a swap
never mixes two models inside one decision. `scores()` says whether the model
in use can score the probe comments (probe.py); /readyz reports it.
"""

from __future__ import annotations

from moderation.classifier import probe
from moderation.classifier.features import CommentText
from moderation.classifier.persist import TrainedModel
from moderation.classifier.scoring import Score
from moderation.classifier.thresholds import Thresholds, tightened

# The site whose model is the installation's (domain.DEFAULT_SITE; classifier/ imports
# nothing of the project).
INSTALLATION = "default"


class LiveModel:
    """The installation's model (`model`), and the models of sites that have their own:
    a site without one is served the installation's (issue 13)."""

    def __init__(self, model: TrainedModel) -> None:
        self.model = model
        self._sites: dict[str, TrainedModel] = {}
        self._probed: tuple[TrainedModel, str | None] | None = None
        # Threshold levels that audits imposed, per model version (see ops/audits).
        self.levels: dict[str, dict[str, int]] = {}

    def thresholds(self, model: TrainedModel) -> Thresholds:
        """The model's thresholds, tightened as far as audits have asked."""
        level = self.levels.get(model.version)
        if not level:
            return model.thresholds
        return tightened(model.thresholds, level.get("approved", 0), level.get("rejected", 0))

    def scores(self) -> str | None:
        """None if the model in use scores the probe comments, else why not (once per model)."""
        model = self.model
        if self._probed is None or self._probed[0] is not model:
            try:
                probe.check(model)
                self._probed = (model, None)
            except probe.ProbeFailed as exc:
                self._probed = (model, str(exc))
        return self._probed[1]

    @property
    def version(self) -> str:
        return self.model.version

    def swap(self, model: TrainedModel, site: str = INSTALLATION) -> None:
        if site == INSTALLATION:
            self.model = model
        else:
            self._sites[site] = model

    def for_site(self, site: str) -> TrainedModel:
        """The model that decides a site's comments: its own, else the installation's."""
        return self._sites.get(site, self.model)

    def served(self) -> dict[str, TrainedModel]:
        """Every model in service, by the site that owns it (the installation's first)."""
        return {INSTALLATION: self.model, **self._sites}

    def has_own(self, site: str) -> bool:
        return site == INSTALLATION or site in self._sites

    def score(
        self, comment: CommentText, explain: int = 6, site: str = INSTALLATION
    ) -> tuple[TrainedModel, Score]:
        """The score with its `explain` strongest features, plus the strongest spam-ward
        words: meta tokens often outweigh words, and the desk highlights words."""
        model = self.for_site(site)
        return model, model.assess(comment, explain, explain // 2)
