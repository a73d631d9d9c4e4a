"""The seed model: what a new site gets on day one.

It is trained from the corpus in `models/corpus/` (comments of a general news
site, written for this project). A fixed fifth of it, chosen by a hash of the
text so that it never changes between runs, is held out for the model card.

Its thresholds do not come from that corpus: a model scores comments written
by the hand that wrote its training data far better than anyone else's, and
thresholds derived there proved too bold on real comments. They come from
`models/independent/`, comments written separately by someone who never saw
the corpus: one half (by a hash of the text) picks the thresholds, the other
half is only ever reported. Neither half is trained on.

The trained file is cached in the data directory, keyed by the data and the
scikit-learn version, so a restart loads instead of training again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import numpy as np

from moderation.classifier import persist
from moderation.classifier.data import Example, read_paths
from moderation.classifier.evaluate import evaluate
from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import Thresholds
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
    "familiarity.py",
    "seed.py",
)


def corpus_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models" / "corpus"


def independent_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "models" / "independent"


def is_heldout(example: Example) -> bool:
    digest = hashlib.sha256(example.comment.body.encode()).digest()
    return digest[0] % HELDOUT_EVERY == 0


def load_corpus(folder: Path | None = None) -> tuple[list[Example], list[Example]]:
    """(training part, held-out part) of the seed corpus."""
    examples = read_paths([folder or corpus_dir()])
    fit = [e for e in examples if not is_heldout(e)]
    held = [e for e in examples if is_heldout(e)]
    return fit, held


def load_independent(folder: Path | None = None) -> tuple[list[Example], list[Example]]:
    """(half that picks thresholds, half only reported) of the independent set."""
    folder = folder or independent_dir()
    if not any(folder.glob("*.jsonl")):
        return [], []
    examples = read_paths([folder])
    tune = [e for e in examples if not _second_half(e)]
    report = [e for e in examples if _second_half(e)]
    return tune, report


def _second_half(example: Example) -> bool:
    return hashlib.sha256(example.comment.body.encode()).digest()[1] % 2 == 1


def corpus_digest(folder: Path | None = None) -> str:
    """Names the seed: the data and the code that turn it into a model."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in CODE_FILES:
        h.update((here / name).read_bytes())
    folders = [folder] if folder else [corpus_dir(), independent_dir()]
    for path in sorted(p for f in folders for p in f.glob("*.jsonl")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def train_seed(targets: Targets = DEFAULT_TARGETS, progress: Progress = log.info) -> TrainedModel:
    fit, held = load_corpus()
    tune, report = load_independent()
    model = train(
        fit,
        heldout=held,
        targets=targets,
        description="seed corpus (models/corpus): comments of a general news site",
        created_by="seed",
        progress=progress,
    )
    model.metadata["version"] = f"seed-{corpus_digest()}"
    validation = tune or held
    proba = np.array([model.assess(e.comment).probability for e in validation])
    spam = np.array([e.spam for e in validation], dtype=bool)
    if tune:
        # Only comments the model would decide alone count: unfamiliar ones go to people.
        familiar = np.array([_familiar(model, e) for e in tune], dtype=bool)
        # A few hundred comments cannot bound a 1 % error rate at any useful confidence,
        # so their observed rates pick the thresholds, and the corpus's own bounded
        # thresholds may only make them stricter. Audits measure the rest in service.
        observed = targets.thresholds(proba[familiar], spam[familiar], bounded=False)
        model.thresholds = stricter(model.thresholds, observed)
        model.metadata["threshold_folds"] = {
            "by": "independent set (models/independent, first half), observed rates; "
            "no bolder than the corpus's out-of-fold bounded thresholds",
            "n": int(familiar.sum()),
            "rates": "observed",
        }
        progress(f"thresholds from the independent set: {model.thresholds}")
        evaluation = model.metadata["evaluation"]
        if "heldout" in evaluation:  # again, at the thresholds the model now has
            evaluation["heldout"] = evaluate(model, held)
        evaluation["independent"] = evaluate(model, report)
        progress(f"independent set, second half: {evaluation['independent']}")
    # Validation scores travel with the model: the what-if simulator re-derives
    # thresholds for other targets from them.
    model.metadata["validation"] = {
        "proba": [round(float(p), 5) for p in proba],
        "spam": [bool(s) for s in spam],
    }
    return model


def stricter(a: Thresholds, b: Thresholds) -> Thresholds:
    """Whichever of each threshold decides less alone."""
    return replace(a, low=min(a.low, b.low), high=max(a.high, b.high))


def _familiar(model: TrainedModel, example: Example) -> bool:
    known = model.assess(example.comment).familiarity
    return known is None or known.familiar


def seed_model(
    cache_dir: Path | None, targets: Targets = DEFAULT_TARGETS, progress: Progress = log.info
) -> TrainedModel:
    """The seed model, from the cache when it was already trained here."""
    # The installed version, read without importing scikit-learn (seconds, for nothing
    # when the cached model loads from its serving form).
    sklearn_version = version("scikit-learn")
    key = f"seed-{corpus_digest()}-sk{sklearn_version}-{_targets_key(targets)}.skops"
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
