"""Model files: skops (never pickle), with metadata, loaded from trusted types only.

An artifact is a skops dump of `{"format": 1, "pipeline": ..., "metadata":
JSON text}`. Loading first asks skops which types the file would build and
refuses the file if any is outside `TRUSTED_TYPES`, so a tampered or foreign
file cannot run code. A file that loads must then score the probe comments
(probe.py): one that cannot score is refused like an untrusted one.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import skops.io as sio
from sklearn.pipeline import Pipeline

from moderation.classifier import probe
from moderation.classifier.familiarity import Profile
from moderation.classifier.features import CommentText
from moderation.classifier.model import Score, Scorer
from moderation.classifier.thresholds import Thresholds

FORMAT = 1

# Everything the pipeline in model.py is made of, and nothing more.
TRUSTED_TYPES: list[str] = [
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.slice",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "numpy.str_",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.utils._bunch.Bunch",
]


class UntrustedModel(ValueError):
    """The file is not a model this service wrote, or holds types it will not load."""


@dataclass(slots=True)
class TrainedModel:
    pipeline: Pipeline
    thresholds: Thresholds
    metadata: dict[str, Any] = field(default_factory=dict)
    _scorer: Scorer | None = None
    _artifact: bytes | None = None  # the skops bytes, once written or read
    _profile: tuple[Profile | None] | None = None  # parsed once from the metadata

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            self._scorer = Scorer(self.pipeline)
        return self._scorer

    @property
    def profile(self) -> Profile | None:
        """What the model saw in training (None for models trained before profiles)."""
        if self._profile is None:
            raw = self.metadata.get("familiarity")
            self._profile = (Profile.from_dict(raw) if isinstance(raw, dict) else None,)
        return self._profile[0]

    def assess(self, comment: CommentText, explain: int = 0, spam_words: int = 0) -> Score:
        """The score, its strongest terms, and whether the model knows this kind of text."""
        return self.scorer.score(comment, explain, spam_words, self.profile)


def types_in(data: bytes) -> set[str]:
    """Every `module.Class` named anywhere in a skops file's schema."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__module__" in node and "__class__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def dumps(model: TrainedModel) -> bytes:
    if model._artifact is not None:
        return model._artifact  # skops takes seconds; a model is written once
    meta = dict(model.metadata)
    meta["thresholds"] = model.thresholds.to_dict()
    data: bytes = sio.dumps(
        {"format": FORMAT, "pipeline": model.pipeline, "metadata": json.dumps(meta)},
        compression=zipfile.ZIP_DEFLATED,
    )
    model._artifact = data
    return data


def loads(data: bytes) -> TrainedModel:
    """Load an artifact; the same bytes load once per process (skops takes ~1 s)."""
    return _loads_cached(hashlib.sha256(data).hexdigest(), data)


@functools.lru_cache(maxsize=4)
def _loads_cached(digest: str, data: bytes) -> TrainedModel:
    del digest  # the cache key; hashing bytes is cheap next to skops' load
    try:
        named = types_in(data)
        untrusted = set(sio.get_untrusted_types(data=data))
    except Exception as exc:  # a broken zip or schema raises a variety of errors
        raise UntrustedModel(f"not a readable skops file: {exc}") from exc
    # Check every type the file names, not only those skops itself distrusts:
    # skops trusts many scikit-learn types by default that we never write.
    refused = sorted((named | untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise UntrustedModel(f"model file holds types that are not trusted: {', '.join(refused)}")
    try:
        doc = sio.loads(data, trusted=sorted(untrusted))
    except Exception as exc:
        raise UntrustedModel(f"model file could not be loaded: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise UntrustedModel("not a moderation model file (format marker missing)")
    pipeline = doc.get("pipeline")
    if not isinstance(pipeline, Pipeline):
        raise UntrustedModel("model file holds no pipeline")
    try:
        meta = json.loads(doc["metadata"])
        thresholds = Thresholds.from_dict(meta.pop("thresholds"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UntrustedModel(f"model file has broken metadata: {exc!r}") from exc
    model = TrainedModel(pipeline, thresholds, meta, _artifact=data)
    try:
        model.scorer  # noqa: B018 - fail now, not on the first comment
        model.profile  # noqa: B018
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise UntrustedModel(f"model file holds an unexpected pipeline: {exc}") from exc
    try:
        probe.check(model)
    except probe.ProbeFailed as exc:
        raise UntrustedModel(f"model cannot score: {exc}") from exc
    return model


def save(model: TrainedModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(dumps(model))
    tmp.replace(path)  # never leave a half-written model behind


def load(path: Path) -> TrainedModel:
    return loads(path.read_bytes())
