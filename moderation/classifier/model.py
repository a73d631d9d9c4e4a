"""The scikit-learn pipeline: TF-IDF blocks (word n-grams, character n-grams, meta
tokens) into a linear SVM whose output is calibrated with a sigmoid.

Serving does not call it per comment: classifier/scoring.py compiles the fitted
weights into a `Scorer` that gives the same probability much faster. scikit-learn
is imported inside the functions that build or run a pipeline: it takes seconds to
import, and a worker serving a model from its serving form never needs it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from moderation.classifier.features import (
    GENERIC_PATTERN,
    IDENTITY_PATTERN,
    CommentText,
    Docs,
    extract,
)

if TYPE_CHECKING:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

TEXT, META = 0, 1


def build_classifier(c: float = 1.0) -> CalibratedClassifierCV:
    # A linear SVM scored comments of unseen YouTube videos a little better than
    # logistic regression at any C tried (leave-one-video-out inside the training
    # videos preferred it in four folds of five); liblinear is deterministic and
    # quick on a few thousand sparse rows. Balanced weights keep the raw scores
    # centred whatever the class mix of the labels.
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    base = LinearSVC(C=c, class_weight="balanced", random_state=0)
    return CalibratedClassifierCV(base, method="sigmoid", cv=5, ensemble=False)


# A sender's domain becomes a feature of a site model only once this many of the
# site's labelled comments carry it: rarer values would let the model memorise people.
MIN_IDENTITY_COUNT = 5


def build_features(identity: bool = False) -> ColumnTransformer:
    # The text is lowercased by `extract` already. Binary term presence: in a
    # short comment a repeat is emphasis, not more evidence, and presence lets the
    # scorer work on sets. Character 4-5-grams inside word boundaries: leave-one-
    # video-out inside the training videos preferred them to 2-5, 3-5, 3-4 and 2-4
    # in every fold (4-6 tied), and they are half as many to look up as 2-5.
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer

    return ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), binary=True, lowercase=False, dtype=np.float64),
                TEXT,
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(4, 5),
                    binary=True,
                    min_df=2,
                    lowercase=False,
                    dtype=np.float64,
                ),
                TEXT,
            ),
            (
                "meta",
                TfidfVectorizer(
                    token_pattern=GENERIC_PATTERN, lowercase=False, binary=True, dtype=np.float64
                ),
                META,
            ),
        ]
        + (
            [
                (
                    "identity",
                    TfidfVectorizer(
                        token_pattern=IDENTITY_PATTERN,
                        lowercase=False,
                        binary=True,
                        min_df=MIN_IDENTITY_COUNT,
                        dtype=np.float64,
                    ),
                    META,
                )
            ]
            if identity
            else []
        ),
        sparse_threshold=1.0,
    )


def identity_usable(docs: Sequence[Docs]) -> bool:
    """Whether any identity token recurs often enough to make the identity block."""
    counts = Counter(t for d in docs for t in set(re.findall(IDENTITY_PATTERN, d.meta)))
    return any(n >= MIN_IDENTITY_COUNT for n in counts.values())


def build_pipeline(c: float = 1.0, identity: bool = False) -> Pipeline:
    from sklearn.pipeline import Pipeline

    return Pipeline([("features", build_features(identity)), ("clf", build_classifier(c))])


def as_matrix(docs: Sequence[Docs]) -> np.ndarray:
    """The 2-column object array the ColumnTransformer reads."""
    out = np.empty((len(docs), 2), dtype=object)
    for i, d in enumerate(docs):
        out[i, TEXT] = d.text
        out[i, META] = d.meta
    return out


def predict_proba(pipeline: Pipeline, comments: Sequence[CommentText]) -> np.ndarray[Any, Any]:
    """Spam probabilities for many comments at once, through scikit-learn itself."""
    if not comments:
        return np.empty(0)
    X = as_matrix([extract(c) for c in comments])
    proba: np.ndarray[Any, Any] = pipeline.predict_proba(X)[:, 1]
    return proba
