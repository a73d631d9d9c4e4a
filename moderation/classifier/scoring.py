"""A fast scorer compiled from a fitted pipeline's weights (classifier/model.py).

Calling `predict_proba` through scikit-learn costs milliseconds per comment, almost
all of it input validation and sparse-matrix plumbing; the `Scorer` walks the same
vocabularies and weights with sets and dictionaries and gets the same probability
(checked by a test) at a small fraction of the cost.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from moderation.classifier.explain import WEIGHT_FLOOR, filler
from moderation.classifier.familiarity import Familiarity, Profile
from moderation.classifier.features import CommentText, Docs, extract
from moderation.classifier.terms import Found, fast_found

if TYPE_CHECKING:
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline


@dataclass(frozen=True, slots=True)
class _Block:
    name: str
    column: int
    # Binary blocks: the columns of the comment's distinct known terms, and per
    # column idf·weight + 1j·idf², so that one sum gives the block's dot product
    # (real part) and squared norm (imaginary part). Arrays, not lists of Python
    # numbers: a model loads a third faster and holds a quarter less memory.
    found: Found | None
    packed: np.ndarray[Any, np.dtype[np.complex128]]
    strength: np.ndarray[Any, np.dtype[np.float64]]  # |idf·weight|: ranks for explanations
    # Other blocks (models trained before binary features): the general path.
    analyzer: Callable[[str], list[str]]
    index: dict[str, int]  # term -> column within the block
    idf: np.ndarray[Any, Any]
    weights: np.ndarray[Any, Any]
    terms: list[str]  # column -> term, for explanations
    sublinear: bool
    binary: bool
    spec: dict[str, Any] | None = None  # the analyzer's settings, for the serving form
    # Columns of filler terms ("the", "of the"), never named as spam words: known when
    # the block is built, so scoring needs no stop-word list (nor scikit-learn's import).
    fillers: frozenset[int] = frozenset()

    @classmethod
    def fast(
        cls,
        name: str,
        column: int,
        found: Found,
        packed: np.ndarray[Any, np.dtype[np.complex128]],
        strength: np.ndarray[Any, np.dtype[np.float64]],
        index: dict[str, int],
        terms: list[str],
        spec: dict[str, Any],
        fillers: frozenset[int],
    ) -> _Block:
        """A binary block rebuilt from a serving form: only the fast path's parts."""
        empty = np.empty(0)
        return cls(
            name,
            column,
            found,
            packed,
            strength,
            _no_analyzer,
            index,
            empty,
            empty,
            terms,
            False,
            True,
            spec,
            fillers,
        )


def filler_columns(name: str, terms: Sequence[str]) -> frozenset[int]:
    """The columns of a block whose terms are filler (only words are ever named so)."""
    if name != "words":
        return frozenset()
    return frozenset(i for i, t in enumerate(terms) if filler(t))


def _no_analyzer(text: str) -> list[str]:
    raise AssertionError("a block from a serving form scores only through its fast path")


@dataclass(frozen=True, slots=True)
class Score:
    probability: float
    # the terms that pushed the score most towards spam (+) or ham (-)
    top_features: tuple[tuple[str, float], ...] = ()
    familiarity: Familiarity | None = None  # None: the model keeps no profile to judge by


class Scorer:
    """Scores one comment from set and dictionary look-ups and the fitted weights."""

    def __init__(self, pipeline: Pipeline) -> None:
        # Imported here: only a model built from its scikit-learn pipeline (training,
        # an old file) needs them; the serving form builds its scorer without.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        features: ColumnTransformer = pipeline.named_steps["features"]
        calibrated = pipeline.named_steps["clf"].calibrated_classifiers_
        if len(calibrated) != 1:
            raise ValueError("the scorer needs a classifier calibrated with ensemble=False")
        inner = calibrated[0]
        linear = inner.estimator
        if not isinstance(linear, LinearSVC | LogisticRegression):
            raise ValueError(f"unsupported classifier {type(linear).__name__}")
        if list(linear.classes_) != [0, 1]:
            raise ValueError("the classifier must be trained on labels 0 (ham) and 1 (spam)")
        sigmoid = inner.calibrators[0]
        self._a = float(sigmoid.a_)
        self._b = float(sigmoid.b_)
        self._intercept = float(linear.intercept_[0])
        coef = np.asarray(linear.coef_, dtype=np.float64).ravel()
        blocks = []
        offset = 0
        for name, vec, column in features.transformers_:
            if name == "remainder":
                continue
            if not isinstance(vec, TfidfVectorizer) or vec.norm != "l2":
                raise ValueError(f"unsupported feature block {name!r}")
            vocab: dict[str, int] = vec.vocabulary_
            idf = np.asarray(vec.idf_ if vec.use_idf else np.ones(len(vocab)), dtype=np.float64)
            weights = np.ascontiguousarray(coef[offset : offset + len(vocab)])
            terms = [""] * len(vocab)
            for t, i in vocab.items():
                terms[i] = t
            found = fast_found(vec)
            # One complex sum is cheaper than two float sums, and as exact.
            packed = idf * weights + 1j * idf * idf
            strength = np.abs(idf * weights)
            blocks.append(
                _Block(
                    name,
                    column,
                    found,
                    packed,
                    strength,
                    vec.build_analyzer(),
                    vocab,
                    idf,
                    weights,
                    terms,
                    vec.sublinear_tf,
                    vec.binary,
                    None
                    if found is None
                    else {
                        "analyzer": vec.analyzer,
                        "ngram_range": list(vec.ngram_range),
                        "token_pattern": vec.token_pattern,
                    },
                    filler_columns(name, terms),
                )
            )
            offset += len(vocab)
        if offset != coef.shape[0]:
            raise ValueError("feature blocks and classifier weights do not line up")
        self._blocks = tuple(blocks)

    @classmethod
    def from_parts(cls, blocks: Sequence[_Block], intercept: float, a: float, b: float) -> Scorer:
        """A scorer from its parts, as classifier/serving reads them back."""
        self = cls.__new__(cls)
        self._blocks = tuple(blocks)
        self._intercept, self._a, self._b = intercept, a, b
        return self

    def decision(
        self, docs: Docs, explain: int = 0, spam_words: int = 0
    ) -> tuple[float, list[tuple[str, float]]]:
        """The decision value, the `explain` terms that moved it most (either way), then
        up to `spam_words` further words that pushed it towards spam, strongest first."""
        total = self._intercept
        named: list[tuple[str, float]] = []  # candidates for the top, with their weights
        words: list[tuple[str, float]] = []  # spam-ward words, strongest first
        columns = (docs.text, docs.meta)
        for block in self._blocks:
            text = columns[block.column]
            want = bool(explain or spam_words) and block.name != "chars"
            if block.found is not None:
                # A set of ints filled in text order iterates in the same order in
                # every process (a set of strings would not), so the sum is
                # reproducible to the last bit.
                found = block.found(text)
                if not found:
                    continue
                cols = np.fromiter(found, np.intp, len(found))
                values = block.packed[cols]
                both = complex(values.sum())
                norm = math.sqrt(both.imag)
                total += both.real / norm
                if want:
                    # Within a block the norm is shared, so the strongest terms are those
                    # of the largest |idf·weight| (ties in text order, as a stable sort
                    # leaves them): name only those that can make the list.
                    spam_ward = block.name == "words" and spam_words
                    keep = 4 * (explain + spam_words) if spam_ward else explain
                    order = np.argsort(-block.strength[cols], kind="stable")[:keep]
                    strongest = list(
                        zip(cols[order].tolist(), values.real[order].tolist(), strict=True)
                    )
                    terms, label = block.terms, block.name + ":"
                    floor = WEIGHT_FLOOR * norm
                    named.extend(
                        (label + terms[i], w / norm)
                        for i, w in strongest[:explain]
                        if abs(w) >= floor
                    )
                    if spam_ward:
                        up = [(i, w) for i, w in strongest if w >= floor and i not in block.fillers]
                        words = [
                            (label + terms[i], w / norm) for i, w in up[: explain + spam_words]
                        ]
            else:
                parts: list[tuple[str, float]] = []
                total += self._general(block, text, parts if want else None)
                parts = [p for p in parts if abs(p[1]) >= WEIGHT_FLOOR]
                named.extend(parts)
                if block.name == "words":
                    words = sorted(
                        (p for p in parts if p[1] > 0 and not filler(p[0].partition(":")[2])),
                        key=lambda p: -p[1],
                    )
        named.sort(key=lambda p: abs(p[1]), reverse=True)
        top = named[:explain]
        if spam_words:
            shown = {t for t, _ in top}
            top += [w for w in words if w[0] not in shown][:spam_words]
        return total, top

    @staticmethod
    def _general(block: _Block, text: str, parts: list[tuple[str, float]] | None) -> float:
        """Term counts with sublinear or raw tf, as older models were trained."""
        counts = Counter(block.analyzer(text))
        get = block.index.get
        found = [
            (i, n) for i, n in zip(map(get, counts), counts.values(), strict=True) if i is not None
        ]
        if not found:
            return 0.0
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
        if parts is not None:
            terms = block.terms
            parts.extend(
                (f"{block.name}:{terms[i]}", float(c))
                for i, c in zip(idx, contributions, strict=True)
            )
        return float(contributions.sum())

    def finite(self) -> bool:
        """Every number the scorer computes with is finite (a NaN weight poisons scores)."""
        scalars = (self._a, self._b, self._intercept)
        return all(math.isfinite(x) for x in scalars) and all(
            bool(np.isfinite(block.weights).all() and np.isfinite(block.idf).all())
            for block in self._blocks
        )

    def probability_of(self, decision: float) -> float:
        z = -(self._a * decision + self._b)
        # expit without overflow
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @property
    def words(self) -> dict[str, int]:
        """The word block's vocabulary (words and word pairs), for familiarity."""
        for block in self._blocks:
            if block.name == "words":
                return block.index
        return {}

    def score(
        self,
        comment: CommentText,
        explain: int = 0,
        spam_words: int = 0,
        profile: Profile | None = None,
    ) -> Score:
        docs = extract(comment)
        d, parts = self.decision(docs, explain, spam_words)
        known = profile.judge(docs, self.words) if profile is not None else None
        return Score(self.probability_of(d), tuple((t, round(c, 4)) for t, c in parts), known)
