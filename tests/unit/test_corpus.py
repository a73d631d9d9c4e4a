"""The seed corpus: metadata drawn alike for both classes, so it cannot teach who wrote what."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from moderation.classifier import seed
from moderation.classifier.data import read_paths
from moderation.classifier.features import CommentText, extract

# A classifier that sees only the name, email and website fields may find real signal
# (spammers fill in a website more often) but must not find the writer's habits.
MAX_METADATA_AUC = 0.75


def test_metadata_alone_tells_spam_from_ham_only_weakly() -> None:
    examples = read_paths([seed.corpus_dir()])
    y = np.array([e.spam for e in examples])
    docs = [
        extract(CommentText("", e.comment.name, e.comment.email, e.comment.url)).meta
        for e in examples
    ]
    model = make_pipeline(
        TfidfVectorizer(token_pattern=r"\S+", lowercase=False, binary=True),
        LogisticRegression(max_iter=2000),
    )
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    p = cross_val_predict(model, docs, y, cv=folds, method="predict_proba")[:, 1]
    assert roc_auc_score(y, p) <= MAX_METADATA_AUC


def test_the_corpus_is_large_enough_and_every_sender_has_an_email() -> None:
    examples = read_paths([seed.corpus_dir()])
    spam = sum(e.spam for e in examples)
    assert spam >= 1200
    assert len(examples) - spam >= 1500
    assert all("@" in e.comment.email for e in examples)
    # Real forms never see reserved example domains; a corpus full of them taught the
    # first seed that `example.com` means ham.
    assert not [e for e in examples if e.comment.email.endswith((".example", "example.com"))]


def test_the_independent_set_shares_nothing_with_the_corpus_but_stock_phrases() -> None:
    corpus = {e.comment.body for e in read_paths([seed.corpus_dir()])}
    tune, report = seed.load_independent()
    independent = {e.comment.body for e in tune + report}
    assert len(independent) >= 600
    # Two writers both wrote "Spot on." or "Typical.": fine; anything longer is not.
    shared = corpus & independent
    assert len(shared) <= len(independent) // 100
    assert all(len(body.split()) <= 8 for body in shared)
