"""Classifier benchmark: how far the model's automation can be trusted, in six sections.

    python bench/classifier.py [--only lovo,channels,curve,meta,familiar,independent]
                               [--data DIR] [--foreign DIR] [--json]

- `lovo`: leave-one-video-out on the YouTube Spam Collection. Trains on four
  videos, tests on the fifth through the service's decision code, against a
  plain TF-IDF + logistic regression baseline on the same splits; with the
  familiarity guard's share and what coverage and error would be without it;
  and the cost of scoring one comment against scikit-learn's predict_proba.
- `channels`: trained on all five videos (as `lovo` trains, grouped by video),
  scored on `models/foreign/youtube-other-channels.jsonl`: YouTube comments of
  18 other kinds of channel, written by an independent writer who never saw the
  UCI collection nor the corpus; the issue's target is a realised error of the
  automatic decisions <= 3 % at a coverage >= 40 %. The seed model on the same
  comments is shown beside it.
- `curve`: a site's learning curve. The seed corpus plus N labels of one
  "site" (each YouTube video, the independent set's threshold half, and the
  videos pooled as one channel, the only site large enough for N = 400),
  trained as a site model (`identity=True`), scored on the rest of that site.
- `meta`: ROC AUC of a classifier that reads only the corpus's name, email and
  website fields (5-fold stratified logistic regression): how much the corpus
  gives away through metadata.
- `familiar`: the seed model on foreign domains (SMS, other languages,
  YouTube) with the familiarity guard, without it, and on the probability alone.
- `independent`: the seed model on the independent set's report half, against
  the issue's targets, also with every email on one free-mail domain and on
  one company domain.

Human lines go to stderr, one JSON summary to stdout. Every figure comes from
the service's own training and decision code (`moderation.classifier.evaluate`:
site rules at their defaults, thresholds, familiarity).

`hindsight_coverage` (lovo) is a diagnostic, not a result: the most a perfect
choice of thresholds, made on the test video itself, could automate at the
targets with this model's scores.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py would shadow the standard library's queue module: run from the
# repository root's view of the world, not this folder's.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import dataclasses
import json
import random
import re
import statistics
import time
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from moderation import policy, rules
from moderation.classifier import seed
from moderation.classifier.data import Example, read_paths
from moderation.classifier.evaluate import as_comment, decide_all, evaluate, figures
from moderation.classifier.features import IDENTITY_PREFIXES, CommentText, extract
from moderation.classifier.model import as_matrix, predict_proba
from moderation.classifier.persist import TrainedModel
from moderation.classifier.scoring import Scorer
from moderation.classifier.thresholds import Thresholds
from moderation.classifier.train import Targets, train, validation_folds
from moderation.domain import Facts, Status

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "youtube-spam-collection"
DEFAULT_FOREIGN = ROOT / "models" / "foreign"
SECTIONS = ("lovo", "channels", "curve", "meta", "familiar", "independent")
CHANNELS_FILE = "youtube-other-channels.jsonl"
CHANNELS_ERROR_LIMIT, CHANNELS_COVERAGE_FLOOR = 0.03, 0.40
KEYS = ("mcc", "roc_auc", "coverage", "auto_error_rate")
CURVE_N = (0, 50, 100, 200, 400)
# A site's rest must be big enough for an error rate near 1 % to mean something.
MIN_REST = 100
POOLED = "youtube-pooled"  # every video as one site: the only one large enough for N = 400
SAMPLE_SEED = 0
# Senders for foreign texts that come without one: the form always requires an email.
SENDERS = (
    ("Sam Taylor", "sam.taylor", "gmail.com"),
    ("Priya N", "priya.n", "outlook.com"),
    ("Jonas Weber", "jweber", "yahoo.com"),
    ("Maria Lopez", "maria.lopez", "icloud.com"),
    ("Kwame A.", "kwame.a", "proton.me"),
)
FREE_DOMAIN = "gmail.com"
COMPANY_DOMAIN = "northwind-logistics.com"
# The targets for the seed on unseen news-site comments.
INDEPENDENT_TARGETS = (
    ("spam auto-approved", "spam_auto_approved", "<=", 0.02),
    ("ham auto-rejected", "ham_auto_rejected", "<=", 0.01),
    ("decided alone", "coverage", ">=", 0.60),
    ("ROC AUC", "roc_auc", ">=", 0.97),
)
META_AUC_LIMIT = 0.75
SMS_ERROR_LIMIT = 0.05

Say = Callable[[str], None]


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f} %"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def brief(f: dict[str, Any]) -> dict[str, Any]:
    """The automation figures of an evaluation report, flat."""
    return {
        "n": f["n"],
        "roc_auc": f["roc_auc"],
        "coverage": f["coverage"],
        "auto_error_rate": f["auto_error_rate"],
        "spam_auto_approved": f["spam_auto_approved"]["rate"],
        "ham_auto_rejected": f["ham_auto_rejected"]["rate"],
    }


def line(f: dict[str, Any]) -> str:
    return (
        f"coverage {pct(f['coverage'])}, error {pct(f['auto_error_rate'])}, "
        f"spam approved {pct(f['spam_auto_approved'])}, "
        f"ham rejected {pct(f['ham_auto_rejected'])}"
    )


def guard_effect(
    model: TrainedModel, examples: Sequence[Example], thresholds: Thresholds | None = None
) -> dict[str, Any]:
    """Figures with the familiarity guard (the service), without it, and on the score alone.

    "Without" is the service's decision with the familiarity left out (site rules
    still apply); "probability only" compares the score with the thresholds and
    nothing else.
    """
    site_rules = rules.SiteRules()
    th = thresholds or model.thresholds
    spam = np.array([ex.spam for ex in examples], dtype=bool)
    proba, guarded = decide_all(model, examples, site_rules, th)
    unguarded: list[Status] = []
    plain: list[Status] = []
    unfamiliar = 0
    for ex in examples:
        score = model.assess(ex.comment)
        unfamiliar += score.familiarity is not None and not score.familiarity.familiar
        hits = rules.check(as_comment(ex), site_rules)
        blind = dataclasses.replace(score, familiarity=None)
        d = policy.decide(blind, th, hits, Facts(), model_version=model.version)
        unguarded.append(d.status)
        p = score.probability
        plain.append(
            Status.APPROVED if p < th.low else Status.REJECTED if p > th.high else Status.PENDING
        )
    return {
        "unfamiliar": round(unfamiliar / max(len(examples), 1), 4),
        "guard": brief(figures(spam, proba, guarded)),
        "no_guard": brief(figures(spam, proba, unguarded)),
        "probability_only": brief(figures(spam, proba, plain)),
    }


# --- (a) leave-one-video-out ------------------------------------------------


def baseline(fit: list[Example], test: list[Example], targets: Targets) -> dict[str, Any]:
    """Plain TF-IDF + logistic regression on the raw text, thresholds derived the same way."""
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


def hindsight_coverage(model: TrainedModel, test: list[Example], targets: Targets) -> float:
    """Coverage of the best thresholds for the targets, chosen on the test video itself."""
    proba = np.array([model.scorer.score(e.comment).probability for e in test])
    spam = np.array([e.spam for e in test], dtype=bool)
    th = targets.thresholds(proba, spam, bounded=False)
    return round(float(((proba < th.low) | (proba > th.high)).mean()), 4)


def timing(model: TrainedModel, examples: list[Example], unseen: list[Example]) -> dict[str, float]:
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
    for c in comments[:50]:  # warm up both paths
        scorer.score(c)
    predict_proba(pipeline, comments[:5])

    def per_call(fn: Callable[[Any], Any], items: list[Any], repeat: int = 5) -> float:
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


def lovo(files: list[Path], say: Say) -> dict[str, Any]:
    say("== (a) leave-one-video-out (service decisions; baseline: TF-IDF + LR) ==")
    targets = Targets()
    per_video: dict[str, Any] = {}
    bases = []
    model = None
    for test_file in files:
        fit = read_paths([f for f in files if f != test_file])
        test = read_paths([test_file])
        t0 = time.perf_counter()
        model = train(fit, heldout=test, targets=targets, identity=True)
        seconds = time.perf_counter() - t0
        ours = model.metadata["evaluation"]["heldout"]
        guard = guard_effect(model, test)
        hindsight = hindsight_coverage(model, test, targets)
        base = baseline(fit, test, targets)
        bases.append(base)
        per_video[test_file.stem] = {
            **{k: ours[k] for k in KEYS},
            "unfamiliar": guard["unfamiliar"],
            "no_guard": {k: guard["no_guard"][k] for k in ("coverage", "auto_error_rate")},
            "hindsight_coverage": hindsight,
            "baseline": {k: base[k] for k in KEYS},
            "train_s": round(seconds, 1),
        }
        say(
            f"{test_file.stem:20} "
            + " ".join(f"{k}={ours[k]}" for k in KEYS)
            + f" unfamiliar={pct(guard['unfamiliar'])}"
            + f" (no guard: coverage={guard['no_guard']['coverage']}"
            + f" error={guard['no_guard']['auto_error_rate']})"
            + f" hindsight={hindsight}"
            + " | baseline "
            + " ".join(f"{k}={base[k]}" for k in KEYS)
            + f" | {seconds:.1f}s"
        )
    rows = list(per_video.values())
    mean = {k: round(statistics.fmean(r[k] for r in rows), 4) for k in KEYS}
    base_mean = {k: round(statistics.fmean(b[k] for b in bases), 4) for k in KEYS}
    assert model is not None
    # The last model never saw the last video.
    cost = timing(model, read_paths(files), read_paths(files[-1:]))
    worst_error = max(r["auto_error_rate"] for r in rows)
    say(f"{'mean':20} " + " ".join(f"{k}={mean[k]}" for k in KEYS))
    say(f"{'baseline mean':20} " + " ".join(f"{k}={base_mean[k]}" for k in KEYS))
    say(
        f"targets: mean MCC >= 0.90 {verdict(mean['mcc'] >= 0.90)}; "
        f"mean coverage >= 75 % {verdict(mean['coverage'] >= 0.75)}; "
        f"error <= 1 % on every video {verdict(worst_error <= 0.01)} (worst {pct(worst_error)})"
    )
    say(f"scoring cost (µs per comment): {cost}")
    return {
        "targets": {
            "spam_in_approved": targets.spam_in_approved,
            "ham_in_rejected": targets.ham_in_rejected,
        },
        "per_video": per_video,
        "mean": mean,
        "mean_unfamiliar": round(statistics.fmean(r["unfamiliar"] for r in rows), 4),
        "mean_no_guard_coverage": round(
            statistics.fmean(r["no_guard"]["coverage"] for r in rows), 4
        ),
        "mean_hindsight_coverage": round(
            statistics.fmean(r["hindsight_coverage"] for r in rows), 4
        ),
        "baseline_mean": base_mean,
        "mcc_ratio_vs_baseline": round(mean["mcc"] / base_mean["mcc"], 3),
        "scoring": cost,
    }


# --- (a2) five videos -> other channels ---------------------------------------


def channels(
    files: list[Path], foreign: Path, seed_of: Callable[[], TrainedModel], say: Say
) -> dict[str, Any]:
    say("== (a2) trained on the five videos, scored on other channels' comments ==")
    path = foreign / CHANNELS_FILE
    others = read_paths([path]) if path.exists() else []
    if not others:
        say(f"{path} missing or empty: skipped")
        return {"skipped": f"{path} has no comments"}
    videos = read_paths(files)
    model = train(videos, heldout=[], targets=Targets(), identity=True)
    # What the service's retraining builds from a site's imported labels: the seed
    # corpus's training part plus the site's labels (registry/training.split).
    corpus, _ = seed.load_corpus()
    with_corpus = train(corpus + videos, heldout=[], targets=Targets(), identity=True)
    out: dict[str, Any] = {"n": len(others)}
    runs = (("five_videos", model), ("corpus_and_videos", with_corpus), ("seed", seed_of()))
    for name, m in runs:
        g = guard_effect(m, others)
        f = brief(evaluate(m, others))
        kinds: dict[str, Any] = {}
        for kind in sorted({ex.kind for ex in others}):
            part = [ex for ex in others if ex.kind == kind]
            kf = brief(evaluate(m, part))
            kinds[kind] = {k: kf[k] for k in ("n", "coverage", "auto_error_rate")}
        worst = max(kinds.items(), key=lambda kv: kv[1]["auto_error_rate"] or 0.0)
        out[name] = {
            **f,
            "unfamiliar": g["unfamiliar"],
            "no_guard": {k: g["no_guard"][k] for k in ("coverage", "auto_error_rate")},
            "per_kind": kinds,
        }
        say(
            f"{name:18} n={f['n']} AUC {f['roc_auc']} {line(f)}; unfamiliar "
            f"{pct(g['unfamiliar'])} (no guard: coverage {pct(g['no_guard']['coverage'])}, "
            f"error {pct(g['no_guard']['auto_error_rate'])}); worst kind {worst[0]} "
            f"(error {pct(worst[1]['auto_error_rate'])})"
        )
    f = out["five_videos"]
    ok = (
        f["auto_error_rate"] is not None
        and f["auto_error_rate"] <= CHANNELS_ERROR_LIMIT
        and f["coverage"] >= CHANNELS_COVERAGE_FLOOR
    )
    say(
        f"issue target: realised error <= 3 % at coverage >= 40 % {verdict(ok)} "
        f"(error {pct(f['auto_error_rate'])}, coverage {pct(f['coverage'])})"
    )
    out["target_met"] = ok
    return out


# --- (b) learning curve -----------------------------------------------------


def site_sample(site: list[Example], n: int, rng_seed: int) -> tuple[list[Example], list[Example]]:
    """N labels of a site (a fixed shuffle, both classes present) and the rest of it."""
    order = list(range(len(site)))
    random.Random(rng_seed).shuffle(order)
    chosen = order[:n]
    for label in (True, False):
        missing = n and not any(site[i].spam is label for i in chosen)
        other = next((i for i in order[n:] if site[i].spam is label), None)
        if missing and other is not None:
            chosen = [*chosen[:-1], other]
    picked = set(chosen)
    return [site[i] for i in chosen], [e for i, e in enumerate(site) if i not in picked]


def curve(files: list[Path], say: Say) -> dict[str, Any]:
    say("== (b) learning curve: seed corpus + N labels of a site, scored on the rest ==")
    fit, _ = seed.load_corpus()
    sites = {f.stem: read_paths([f]) for f in files}
    if len(sites) > 1:
        # No single site holds 400 + MIN_REST comments: N = 400 is measured on the videos
        # pooled as one channel (every N, so its own curve reads end to end). It stays
        # out of the mean, which would otherwise change its sites between N = 200 and 400.
        sites[POOLED] = [e for f in files for e in read_paths([f])]
    tune, _ = seed.load_independent()
    if tune:
        # Only the threshold half: the report half is never trained on, not even here.
        sites["independent-tune"] = tune
    else:
        say("independent set missing or empty: only the YouTube videos")
    base_model: TrainedModel | None = None
    per_site: dict[str, dict[str, Any]] = {}
    for name, site in sites.items():
        per_site[name] = {}
        for n in CURVE_N:
            if len(site) - n < MIN_REST:
                continue
            sample, rest = site_sample(site, n, SAMPLE_SEED)
            started = time.perf_counter()
            if n == 0:
                if base_model is None:
                    base_model = train(fit, heldout=[], identity=True)
                model = base_model
            else:
                model = train([*fit, *sample], heldout=[], identity=True)
            f = brief(evaluate(model, rest))
            per_site[name][str(n)] = f
            seconds = time.perf_counter() - started
            say(f"{name:20} N={n:<4} rest={len(rest):<4} {line(f)} ({seconds:.1f}s)")
    mean: dict[str, Any] = {}
    for n in CURVE_N:
        got = [s[str(n)] for name, s in per_site.items() if name != POOLED and str(n) in s]
        if not got:
            say(f"N={n}: no single site has {n} + {MIN_REST} comments (see {POOLED})")
            continue
        mean[str(n)] = {
            "sites": len(got),
            **{
                k: round(statistics.fmean(g[k] for g in got), 4)
                for k in ("coverage", "auto_error_rate", "spam_auto_approved", "ham_auto_rejected")
            },
        }
        say(f"{'mean of ' + str(len(got)) + ' sites':20} N={n:<4} {line(mean[str(n)])}")
    return {
        "n": list(CURVE_N),
        "min_rest": MIN_REST,
        "mean": mean,
        "pooled": per_site.get(POOLED),
        "per_site": per_site,
    }


# --- (c) metadata-only AUC ----------------------------------------------------


def meta_auc(say: Say) -> dict[str, Any]:
    say("== (c) metadata-only ROC AUC of the seed corpus (name, email, url; 5-fold LR) ==")
    fit, held = seed.load_corpus()
    examples = [*fit, *held]
    meta = [
        extract(
            CommentText(body="", name=e.comment.name, email=e.comment.email, url=e.comment.url)
        ).meta.split()
        for e in examples
    ]
    identity = re.compile("(?:" + "|".join(IDENTITY_PREFIXES) + "):")
    y = np.array([e.spam for e in examples], dtype=int)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    out: dict[str, Any] = {"n": len(examples)}
    for name, docs in (
        ("all", meta),
        ("generic", [[t for t in d if not identity.match(t)] for d in meta]),
    ):
        pipe = make_pipeline(
            CountVectorizer(analyzer=lambda d: d, binary=True), LogisticRegression(max_iter=1000)
        )
        proba = cross_val_predict(pipe, docs, y, cv=folds, method="predict_proba")[:, 1]
        out[name] = round(float(roc_auc_score(y, proba)), 4)
    say(
        f"all meta tokens: AUC {out['all']} (issue: <= {META_AUC_LIMIT} "
        f"{verdict(out['all'] <= META_AUC_LIMIT)}); "
        f"without identity tokens (what the seed reads): AUC {out['generic']}"
    )
    return out


# --- (d) the familiarity guard off-domain -------------------------------------


def with_sender(examples: Sequence[Example]) -> list[Example]:
    """Foreign texts as submissions: a name where there is none, always a free-mail email."""
    out = []
    for i, ex in enumerate(examples):
        name, local, domain = SENDERS[i % len(SENDERS)]
        c = ex.comment
        comment = CommentText(
            body=c.body, name=c.name or name, email=c.email or f"{local}@{domain}", url=c.url
        )
        out.append(dataclasses.replace(ex, comment=comment))
    return out


def familiar(model: TrainedModel, files: list[Path], foreign: Path, say: Say) -> dict[str, Any]:
    say("== (d) seed model off-domain: with the familiarity guard, without, probability only ==")
    domains: dict[str, list[Example]] = {}
    for name in ("sms", "other-languages"):
        path = foreign / f"{name}.jsonl"
        found = read_paths([path]) if path.exists() else []
        if found:
            domains[name] = found
        else:
            say(f"{name}: {path} missing or empty, skipped")
    domains["youtube"] = read_paths(files)
    # The seed's own thresholds come from the independent set; when they decide
    # little, the guard has little to hold, so the same model is also shown at the
    # thresholds its training corpus's out-of-fold scores give (train() without
    # the independent set).
    fit, _ = seed.load_corpus()
    views = {"seed": model.thresholds, "corpus_oof": train(fit, heldout=[]).thresholds}
    out: dict[str, Any] = {}
    for view, th in views.items():
        say(f"-- thresholds: {view} (low {th.low:.4f}, high {th.high:.4f})")
        out[view] = {"thresholds": {"low": th.low, "high": th.high}}
        for name, examples in domains.items():
            g = guard_effect(model, with_sender(examples), th)
            out[view][name] = g
            say(
                f"{name:16} n={len(examples):<5} unfamiliar {pct(g['unfamiliar'])}\n"
                f"{'':16} guard:    {line(g['guard'])}\n"
                f"{'':16} no guard: {line(g['no_guard'])}\n"
                f"{'':16} p only:   {line(g['probability_only'])}"
            )
        if "sms" in out[view]:
            g = out[view]["sms"]["guard"]
            note = "" if g["coverage"] else " (vacuous: nothing decided)"
            ok = g["auto_error_rate"] <= SMS_ERROR_LIMIT
            say(f"issue target: SMS realised error <= 5 % {verdict(ok)}{note}")
    return out


# --- (e) the seed on the independent set --------------------------------------


def on_domain(examples: Sequence[Example], domain: str) -> list[Example]:
    out = []
    for ex in examples:
        local = ex.comment.email.rpartition("@")[0] or "reader"
        out.append(
            dataclasses.replace(
                ex, comment=dataclasses.replace(ex.comment, email=f"{local}@{domain}")
            )
        )
    return out


def independent(model: TrainedModel, say: Say) -> dict[str, Any]:
    say("== (e) seed model on the independent set's report half ==")
    _, report = seed.load_independent()
    if not report:
        say("independent set missing or empty: skipped")
        return {"skipped": "models/independent has no comments"}
    say(f"seed thresholds: low {model.thresholds.low:.4f}, high {model.thresholds.high:.4f}")
    out: dict[str, Any] = {}
    for name, examples in (
        ("as written", report),
        (f"all {FREE_DOMAIN}", on_domain(report, FREE_DOMAIN)),
        (f"all {COMPANY_DOMAIN}", on_domain(report, COMPANY_DOMAIN)),
    ):
        f = brief(evaluate(model, examples))
        out[name] = f
        say(f"{name:32} n={f['n']} AUC {f['roc_auc']} {line(f)}")
    written = out["as written"]
    checks = {}
    for label, key, op, limit in INDEPENDENT_TARGETS:
        value = written[key]
        ok = value is not None and (value <= limit if op == "<=" else value >= limit)
        checks[key] = {"value": value, "target": f"{op} {limit}", "met": ok}
        say(f"  {label:20} {value} {op} {limit}: {verdict(ok)}")
    moved = {
        k: round(max(abs((v[k] or 0) - (written[k] or 0)) for v in out.values()), 4)
        for k in ("roc_auc", "coverage", "spam_auto_approved", "ham_auto_rejected")
    }
    say(f"  largest change from rewriting emails: {moved}")
    return {"figures": out, "targets": checks, "moved_by_email": moved}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="YouTube CSV folder")
    parser.add_argument("--foreign", type=Path, default=DEFAULT_FOREIGN, help="off-domain JSONL")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    files = sorted(args.data.glob("*.csv"))
    if not files and {"lovo", "channels", "curve", "familiar"} & set(chosen):
        print(f"no CSV files in {args.data}", file=sys.stderr)
        return 2

    def say(text: str) -> None:
        if not args.json:
            print(text, file=sys.stderr, flush=True)

    @cache
    def seed_model() -> TrainedModel:
        t0 = time.perf_counter()
        model = seed.train_seed(progress=lambda _: None)
        say(f"seed model {model.version} trained in {time.perf_counter() - t0:.1f}s")
        return model

    runs: dict[str, Callable[[], dict[str, Any]]] = {
        "lovo": lambda: lovo(files, say),
        "channels": lambda: channels(files, args.foreign, seed_model, say),
        "curve": lambda: curve(files, say),
        "meta": lambda: meta_auc(say),
        "familiar": lambda: familiar(seed_model(), files, args.foreign, say),
        "independent": lambda: independent(seed_model(), say),
    }
    summary: dict[str, Any] = {"sections": [s for s in SECTIONS if s in chosen]}
    started = time.perf_counter()
    for name in summary["sections"]:
        t0 = time.perf_counter()
        summary[name] = runs[name]()
        summary[name]["seconds"] = round(time.perf_counter() - t0, 1)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    say(f"done in {summary['seconds']}s")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
