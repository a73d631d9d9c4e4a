"""The scikit-learn pipeline, and a fast scorer compiled from its fitted weights.

The pipeline is TF-IDF blocks (word n-grams, character n-grams, meta tokens)
into a logistic regression whose output is calibrated with a sigmoid. Calling
`predict_proba` through scikit-learn costs about half a millisecond per
comment, almost all of it input validation and sparse-matrix plumbing; the
`Scorer` walks the same vocabularies and weights with dictionaries and gets
the same probability (checked by a test) at a fraction of the cost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from moderation.classifier.features import CommentText, Docs, extract

TEXT, META = 0, 1


def build_classifier(c: float = 8.0) -> CalibratedClassifierCV:
    # liblinear is deterministic and quick on a few thousand sparse rows; balanced
    # weights keep the raw scores centred whatever the class mix of the labels.
    base = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
    return CalibratedClassifierCV(base, method="sigmoid", cv=5, ensemble=False)


def build_features() -> ColumnTransformer:
    return ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, dtype=np.float64),
                TEXT,
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    sublinear_tf=True,
                    min_df=2,
                    dtype=np.float64,
                ),
                TEXT,
            ),
            (
                "meta",
                TfidfVectorizer(
                    token_pattern=r"\S+", lowercase=False, binary=True, dtype=np.float64
                ),
                META,
            ),
        ],
        sparse_threshold=1.0,
    )


def build_pipeline(c: float = 8.0) -> Pipeline:
    return Pipeline([("features", build_features()), ("clf", build_classifier(c))])


def as_matrix(docs: Sequence[Docs]) -> np.ndarray:
    """The 2-column object array the ColumnTransformer reads."""
    out = np.empty((len(docs), 2), dtype=object)
    for i, d in enumerate(docs):
        out[i, TEXT] = d.text
        out[i, META] = d.meta
    return out


@dataclass(frozen=True, slots=True)
class _Block:
    name: str
    column: int
    analyzer: Callable[[str], list[str]]
    index: dict[str, int]  # term -> column within the block
    idf: np.ndarray[Any, Any]
    weights: np.ndarray[Any, Any]
    terms: list[str]  # column -> term, for explanations
    sublinear: bool
    binary: bool


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    # the terms that pushed the score most towards spam (+) or ham (-)
    top_features: tuple[tuple[str, float], ...] = ()


class Scorer:
    """Scores one comment from dictionary look-ups and the fitted weights."""

    def __init__(self, pipeline: Pipeline) -> None:
        features: ColumnTransformer = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["clf"].calibrated_classifiers_
        if len(calibrated) != 1:
            raise ValueError("the scorer needs a classifier calibrated with ensemble=False")
        inner = calibrated[0]
        lr: LogisticRegression = inner.estimator
        if list(lr.classes_) != [0, 1]:
            raise ValueError("the classifier must be trained on labels 0 (ham) and 1 (spam)")
        sigmoid = inner.calibrators[0]
        self._a = float(sigmoid.a_)
        self._b = float(sigmoid.b_)
        self._intercept = float(lr.intercept_[0])
        coef = lr.coef_.ravel()
        blocks = []
        offset = 0
        for name, vec, column in features.transformers_:
            if name == "remainder":
                continue
            if not isinstance(vec, TfidfVectorizer) or vec.norm != "l2":
                raise ValueError(f"unsupported feature block {name!r}")
            vocab: dict[str, int] = vec.vocabulary_
            idf = vec.idf_ if vec.use_idf else np.ones(len(vocab))
            terms = [""] * len(vocab)
            for t, i in vocab.items():
                terms[i] = t
            blocks.append(
                _Block(
                    name,
                    column,
                    vec.build_analyzer(),
                    vocab,
                    np.asarray(idf, dtype=np.float64),
                    np.ascontiguousarray(coef[offset : offset + len(vocab)], dtype=np.float64),
                    terms,
                    vec.sublinear_tf,
                    vec.binary,
                )
            )
            offset += len(vocab)
        if offset != coef.shape[0]:
            raise ValueError("feature blocks and classifier weights do not line up")
        self._blocks = tuple(blocks)

    def decision(self, docs: Docs, explain: int = 0) -> tuple[float, list[tuple[str, float]]]:
        total = self._intercept
        parts: list[tuple[str, float]] = []
        columns = (docs.text, docs.meta)
        for block in self._blocks:
            counts = Counter(block.analyzer(columns[block.column]))
            get = block.index.get
            # Look up every term in one pass; the arithmetic then runs in numpy.
            found = [
                (i, n)
                for i, n in zip(map(get, counts), counts.values(), strict=True)
                if i is not None
            ]
            if not found:
                continue
            idx = np.fromiter((i for i, _ in found), dtype=np.intp, count=len(found))
            if block.binary:
                tf = np.ones(len(found))
            else:
                tf = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
                if block.sublinear:
                    tf = 1.0 + np.log(tf)
            v = tf * block.idf[idx]
            norm = math.sqrt(float(v @ v))
            contributions = v * block.weights[idx] / norm
            total += float(contributions.sum())
            if explain and block.name != "chars":
                terms = block.terms
                parts.extend(
                    (f"{block.name}:{terms[i]}", float(c))
                    for i, c in zip(idx, contributions, strict=True)
                )
        if explain:
            parts.sort(key=lambda p: abs(p[1]), reverse=True)
            parts = parts[:explain]
        return total, parts

    def probability_of(self, decision: float) -> float:
        z = -(self._a * decision + self._b)
        # expit without overflow
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def score(self, comment: CommentText, explain: int = 0) -> Score:
        d, parts = self.decision(extract(comment), explain)
        return Score(self.probability_of(d), tuple((t, round(c, 4)) for t, c in parts))


def predict_proba(pipeline: Pipeline, comments: Sequence[CommentText]) -> np.ndarray[Any, Any]:
    """Spam probabilities for many comments at once, through scikit-learn itself."""
    if not comments:
        return np.empty(0)
    X = as_matrix([extract(c) for c in comments])
    proba: np.ndarray[Any, Any] = pipeline.predict_proba(X)[:, 1]
    return proba
