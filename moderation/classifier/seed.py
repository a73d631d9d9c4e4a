"""The seed model: what a new site gets on day one.

It is trained from the corpus in `models/corpus/` (written by this project,
about the security trade press). A fixed fifth of it, chosen by a hash of the
text so that it never changes between runs, is held out for the model card.
The trained file is cached in the data directory, keyed by the corpus and the
scikit-learn version, so a restart loads instead of training again.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import sklearn

from moderation.classifier import persist
from moderation.classifier.data import Example, read_paths
from moderation.classifier.persist import TrainedModel
from moderation.classifier.train import DEFAULT_TARGETS, Progress, Targets, train

log = logging.getLogger(__name__)

HELDOUT_EVERY = 5
# A change to any of these changes the seed model, so it changes its version too.
CODE_FILES = (
    "features.py",
    "links.py",
    "lookalikes.py",
    "model.py",
    "normalize.py",
    "thresholds.py",
    "train.py",
)


def corpus_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models" / "corpus"


def is_heldout(example: Example) -> bool:
    digest = hashlib.sha256(example.comment.body.encode()).digest()
    return digest[0] % HELDOUT_EVERY == 0


def load_corpus(folder: Path | None = None) -> tuple[list[Example], list[Example]]:
    """(training part, held-out part) of the seed corpus."""
    examples = read_paths([folder or corpus_dir()])
    fit = [e for e in examples if not is_heldout(e)]
    held = [e for e in examples if is_heldout(e)]
    return fit, held


def corpus_digest(folder: Path | None = None) -> str:
    """Names the seed: the corpus and the code that turns it into a model."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in CODE_FILES:
        h.update((here / name).read_bytes())
    for path in sorted((folder or corpus_dir()).glob("*.jsonl")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def train_seed(targets: Targets = DEFAULT_TARGETS, progress: Progress = log.info) -> TrainedModel:
    fit, held = load_corpus()
    model = train(
        fit,
        heldout=held,
        targets=targets,
        description="seed corpus (models/corpus): security trade-press comments",
        created_by="seed",
        progress=progress,
    )
    model.metadata["version"] = f"seed-{corpus_digest()}"
    # Held-out scores travel with the model: the what-if simulator re-derives
    # thresholds for other targets from them.
    model.metadata["validation"] = {
        "proba": [round(model.scorer.score(e.comment).probability, 5) for e in held],
        "spam": [e.spam for e in held],
    }
    return model


def seed_model(
    cache_dir: Path | None, targets: Targets = DEFAULT_TARGETS, progress: Progress = log.info
) -> TrainedModel:
    """The seed model, from the cache when it was already trained here."""
    key = f"seed-{corpus_digest()}-sk{sklearn.__version__}-{_targets_key(targets)}.skops"
    cached = cache_dir / key if cache_dir else None
    if cached and cached.exists():
        try:
            return persist.load(cached)
        except persist.UntrustedModel as exc:
            log.warning("cached seed model refused (%s); training again", exc)
    model = train_seed(targets, progress)
    if cached:
        persist.save(model, cached)
    return model


def _targets_key(t: Targets) -> str:
    return hashlib.sha256(repr(t).encode()).hexdigest()[:6]
