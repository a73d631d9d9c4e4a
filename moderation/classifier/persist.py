"""Model files: skops (never pickle), with metadata, loaded from trusted types only.

The skops part is a dump of `{"format": 1, "pipeline": ..., "metadata": JSON
text}`. Loading it first asks skops which types the file would build and
refuses the file if any is outside `TRUSTED_TYPES`, so a tampered or foreign
file cannot run code. A file that loads must then score the probe comments
(probe.py): one that cannot score is refused like an untrusted one.

An artifact written now is a zip of four members: `moderation.json` (format 2
and the metadata), `model.skops` (the part above), and the serving form
(`serving.json`, `serving.npz`, see classifier/serving.py). Loading reads the
serving form only, which takes a fraction of skops' seconds, so a hot swap or a
restart serves at once; the scikit-learn pipeline is rebuilt from `model.skops`
only when something asks for it (training code, the CLI's evaluation). A bare
skops file (format 1, as written before) still loads the old way.

skops and scikit-learn are imported only where a skops part is written or read:
together they take seconds to import, and a worker that serves from the serving
form never needs them (a restart is ready that much sooner).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moderation.classifier import probe, serving
from moderation.classifier.familiarity import Profile
from moderation.classifier.features import CommentText
from moderation.classifier.scoring import Score, Scorer
from moderation.classifier.thresholds import Thresholds

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

FORMAT = 1  # the skops part
CONTAINER = 2  # the artifact with a serving form
MARKER, SKOPS = "moderation.json", "model.skops"
SERVING_HEAD, SERVING_ARRAYS = "serving.json", "serving.npz"

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


class TrainedModel:
    """A fitted model, its thresholds and metadata; the pipeline is rebuilt on demand."""

    __slots__ = (
        "_artifact",
        "_pipeline",
        "_profile",
        "_scorer",
        "_skops",
        "metadata",
        "thresholds",
    )

    def __init__(
        self,
        pipeline: Pipeline | None,
        thresholds: Thresholds,
        metadata: dict[str, Any] | None = None,
        *,
        scorer: Scorer | None = None,
        artifact: bytes | None = None,
        skops: bytes | None = None,
    ) -> None:
        if pipeline is None and (scorer is None or skops is None):
            raise ValueError("a model needs its pipeline, or a scorer and its skops part")
        self._pipeline = pipeline
        self.thresholds = thresholds
        self.metadata: dict[str, Any] = metadata if metadata is not None else {}
        self._scorer = scorer
        self._artifact = artifact  # the artifact's bytes, once written or read
        self._skops = skops  # the skops part, to rebuild the pipeline from
        self._profile: tuple[Profile | None] | None = None  # parsed once from the metadata

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            assert self._skops is not None
            self._pipeline = _load_skops(self._skops)[0]
        return self._pipeline

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

    def with_thresholds(self, thresholds: Thresholds) -> TrainedModel:
        """The same model deciding at other thresholds (not a file of its own)."""
        return TrainedModel(
            self._pipeline,
            thresholds,
            dict(self.metadata),
            scorer=self._scorer,
            skops=self._skops,
        )


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
    import skops.io as sio

    skops_part: bytes = sio.dumps(
        {"format": FORMAT, "pipeline": model.pipeline, "metadata": json.dumps(meta)},
        compression=zipfile.ZIP_DEFLATED,
    )
    form = serving.dump(model.scorer)
    if form is None:  # an older kind of pipeline: the skops file alone
        data = skops_part
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MARKER, json.dumps({"format": CONTAINER, "metadata": meta}))
            archive.writestr(SKOPS, skops_part)
            archive.writestr(SERVING_HEAD, form[0])
            archive.writestr(SERVING_ARRAYS, form[1])
        data = out.getvalue()
    model._artifact = data
    return data


def loads(data: bytes) -> TrainedModel:
    """Load an artifact; the same bytes load once per process."""
    return loads_keyed(hashlib.sha256(data).hexdigest(), data)


@functools.lru_cache(maxsize=4)
def loads_keyed(digest: str, data: bytes) -> TrainedModel:
    """`loads` with the cache key given: the digest of `data`, or a key of the caller's
    (bench/swap.py times loads under keys of its own, so each one loads)."""
    del digest  # the cache key; hashing bytes is cheap next to loading
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise UntrustedModel(f"not a readable model file: {exc}") from exc
    if MARKER not in names:
        pipeline, meta = _load_skops(data)
        return _checked(TrainedModel(pipeline, _thresholds(meta), meta, artifact=data))
    try:
        with archive:
            head = json.loads(archive.read(MARKER))
            skops_part = archive.read(SKOPS)
            form = archive.read(SERVING_HEAD), archive.read(SERVING_ARRAYS)
        if head.get("format") != CONTAINER:
            raise ValueError("unknown container format")
        meta = dict(head["metadata"])
    except (KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        raise UntrustedModel(f"model file is damaged: {exc!r}") from exc
    try:
        scorer = serving.load(*form)
    except serving.BadServingForm as exc:
        raise UntrustedModel(str(exc)) from exc
    return _checked(
        TrainedModel(None, _thresholds(meta), meta, scorer=scorer, artifact=data, skops=skops_part)
    )


def _thresholds(meta: dict[str, Any]) -> Thresholds:
    try:
        return Thresholds.from_dict(meta.pop("thresholds"))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UntrustedModel(f"model file has broken metadata: {exc!r}") from exc


def _checked(model: TrainedModel) -> TrainedModel:
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


def _load_skops(data: bytes) -> tuple[Pipeline, dict[str, Any]]:
    """The pipeline and metadata of a skops part, from trusted types only."""
    import skops.io as sio
    from sklearn.pipeline import Pipeline

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
    except (KeyError, TypeError, ValueError) as exc:
        raise UntrustedModel(f"model file has broken metadata: {exc!r}") from exc
    if not isinstance(meta, dict):
        raise UntrustedModel("model file has broken metadata")
    return pipeline, meta


def save(model: TrainedModel, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(dumps(model))
    tmp.replace(path)  # never leave a half-written model behind


def load(path: Path) -> TrainedModel:
    return loads(path.read_bytes())
