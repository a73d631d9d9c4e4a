"""Classifier benchmark: leave-one-video-out on the YouTube Spam Collection.

    python bench/classifier.py [--data DIR] [--json]

Trains on four videos and tests on the fifth, for each video, through the
same training and decision code the service uses (thresholds derived from
the default target error rates). In the same run it measures a plain TF-IDF +
logistic regression baseline on the same splits, and the cost of scoring one
comment (our compiled scorer vs scikit-learn's own predict_proba) and a batch.

`hindsight_coverage` is a diagnostic, not a result: the most a perfect choice
of thresholds, made on the test video itself, could automate at the targets
with this model's scores. Nothing is tuned on it; it shows how much of the
coverage gap is the thresholds' and how much the scores'.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: run from the
# repository root's view of the world, not this folder's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation.classifier.data import Example, read_paths
from moderation.classifier.evaluate import figures
from moderation.classifier.features import extract
from moderation.classifier.model import Scorer, as_matrix, predict_proba
from moderation.classifier.train import Targets, train, validation_folds
from moderation.domain import Status

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "youtube-spam-collection"
KEYS = ("mcc", "roc_auc", "coverage", "auto_error_rate")


def baseline(fit: list[Example], test: list[Example], targets: Targets) -> dict[str, Any]:
    """Plain TF-IDF + logistic regression on the raw text, thresholds derived the same way."""
    from sklearn.model_selection import cross_val_predict

    texts = [e.comment.body for e in fit]
    y = np.array([e.spam for e in fit], dtype=int)
    pipe = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    folds, by_source = validation_folds(fit, y, seed=0)
    oof = cross_val_predict(pipe, texts, y, cv=folds, method="predict_proba")[:, 1]
    th = targets.thresholds(oof, y.astype(bool), bounded=not by_source)
    pipe.fit(texts, y)
    p = pipe.predict_proba([e.comment.body for e in test])[:, 1]
    truth = np.array([e.spam for e in test], dtype=bool)
    statuses = [
        Status.APPROVED if v < th.low else Status.REJECTED if v > th.high else Status.PENDING
        for v in p
    ]
    return figures(truth, p, statuses)


def hindsight_coverage(model: Any, test: list[Example], targets: Targets) -> float:
    """Coverage of the best thresholds for the targets, chosen on the test video itself."""
    proba = np.array([model.scorer.score(e.comment).probability for e in test])
    spam = np.array([e.spam for e in test], dtype=bool)
    th = targets.thresholds(proba, spam, bounded=False)
    return round(float(((proba < th.low) | (proba > th.high)).mean()), 4)


def timing(model: Any, examples: list[Example], unseen: list[Example]) -> dict[str, float]:
    comments = [e.comment for e in examples]
    scorer = model.scorer
    pipeline = model.pipeline
    # The scorer remembers the character n-grams of words it has met; a fresh one
    # on comments from a video the model never saw shows the cost before that.
    fresh = Scorer(pipeline)
    t0 = time.perf_counter()
    for e in unseen[:300]:
        fresh.score(e.comment)
    first_sight = (time.perf_counter() - t0) / len(unseen[:300]) * 1e6
    # Warm up both paths.
    for c in comments[:50]:
        scorer.score(c)
    predict_proba(pipeline, comments[:5])

    def per_call(fn: Any, items: list[Any], repeat: int = 5) -> float:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            for c in items:
                fn(c)
            best = min(best, (time.perf_counter() - t0) / len(items))
        return best * 1e6

    sample = comments[:300]
    ours = per_call(scorer.score, sample)
    explained = per_call(lambda c: scorer.score(c, 6), sample)
    sk_single = per_call(lambda c: predict_proba(pipeline, [c]), sample[:100])
    t0 = time.perf_counter()
    pipeline.predict_proba(as_matrix([extract(c) for c in comments]))
    sk_batch = (time.perf_counter() - t0) / len(comments) * 1e6
    return {
        "scorer_us": round(ours, 1),
        "scorer_first_sight_us": round(first_sight, 1),
        "scorer_explained_us": round(explained, 1),
        "sklearn_single_us": round(sk_single, 1),
        "sklearn_batch_us": round(sk_batch, 1),
        "speedup_vs_sklearn_single": round(sk_single / ours, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = parser.parse_args()
    files = sorted(args.data.glob("*.csv"))
    if not files:
        print(f"no CSV files in {args.data}", file=sys.stderr)
        return 2
    targets = Targets()
    rows = []
    model = None
    for test_file in files:
        fit = read_paths([f for f in files if f != test_file])
        test = read_paths([test_file])
        t0 = time.perf_counter()
        model = train(fit, heldout=test, targets=targets)
        seconds = time.perf_counter() - t0
        ours = model.metadata["evaluation"]["heldout"]
        hindsight = hindsight_coverage(model, test, targets)
        base = baseline(fit, test, targets)
        rows.append(
            {
                "video": test_file.stem,
                "ours": ours,
                "hindsight_coverage": hindsight,
                "baseline": base,
                "train_s": seconds,
            }
        )
        if not args.json:
            print(
                f"{test_file.stem:22} "
                + " ".join(f"{k}={ours[k]}" for k in KEYS)
                + f" (hindsight coverage {hindsight})"
                + "  | baseline "
                + " ".join(f"{k}={base[k]}" for k in KEYS)
                + f"  | trained in {seconds:.1f}s",
                file=sys.stderr,
            )
    mean = {k: round(statistics.fmean(r["ours"][k] for r in rows), 4) for k in KEYS}
    base_mean = {k: round(statistics.fmean(r["baseline"][k] for r in rows), 4) for k in KEYS}
    assert model is not None
    # The last model never saw the last video.
    cost = timing(model, read_paths(files), read_paths(files[-1:]))
    summary = {
        "protocol": "leave-one-video-out",
        "targets": {
            "spam_in_approved": targets.spam_in_approved,
            "ham_in_rejected": targets.ham_in_rejected,
        },
        "per_video": {
            r["video"]: {
                **{k: r["ours"][k] for k in KEYS},
                "hindsight_coverage": r["hindsight_coverage"],
                "train_s": round(r["train_s"], 1),
            }
            for r in rows
        },
        "mean": mean,
        "mean_hindsight_coverage": round(
            statistics.fmean(r["hindsight_coverage"] for r in rows), 4
        ),
        "baseline_mean": base_mean,
        "mcc_ratio_vs_baseline": round(mean["mcc"] / base_mean["mcc"], 3),
        "scoring": cost,
    }
    if not args.json:
        print(f"{'mean':22} " + " ".join(f"{k}={mean[k]}" for k in KEYS), file=sys.stderr)
        print(
            f"{'baseline mean':22} " + " ".join(f"{k}={base_mean[k]}" for k in KEYS),
            file=sys.stderr,
        )
        print(f"scoring cost: {cost}", file=sys.stderr)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
