"""Thresholds from target error rates: the Clopper-Pearson bound, `derive`, its folds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from moderation.classifier.data import Example
from moderation.classifier.features import CommentText
from moderation.classifier.persist import TrainedModel
from moderation.classifier.thresholds import Thresholds, derive, observed, upper_bound
from moderation.classifier.train import train, validation_folds

Array = np.ndarray[Any, Any]
TARGETS = {"spam_in_approved": 0.01, "ham_in_rejected": 0.005, "confidence": 0.9}


def separable(n: int, seed: int = 1) -> tuple[Array, Array]:
    """Ham scored in [0, 0.3), spam in [0.7, 1): a perfect classifier."""
    rng = np.random.default_rng(seed)
    spam = rng.random(n) < 0.4
    proba = np.where(spam, rng.uniform(0.7, 1.0, n), rng.uniform(0.0, 0.3, n))
    return proba, spam


def overlapping(n: int, seed: int, shift: float = 3.0) -> tuple[Array, Array]:
    """Scores of a middling classifier: the two classes overlap in the middle."""
    rng = np.random.default_rng(seed)
    spam = rng.random(n) < 0.4
    logit = rng.normal(0.0, 1.0, n) + np.where(spam, shift, 0.0) - shift / 2
    return 1 / (1 + np.exp(-logit)), spam


def realised(t: Thresholds, proba: Array, spam: Array) -> tuple[float, float, int, int]:
    """(spam rate among approved, ham rate among rejected, n approved, n rejected)."""
    approved, rejected = proba < t.low, proba > t.high
    spam_rate = (approved & spam).sum() / approved.sum() if approved.any() else 0.0
    ham_rate = (rejected & ~spam).sum() / rejected.sum() if rejected.any() else 0.0
    return float(spam_rate), float(ham_rate), int(approved.sum()), int(rejected.sum())


# --- upper_bound ----------------------------------------------------------------------


def test_the_bound_on_zero_errors_of_zero_is_one() -> None:
    assert upper_bound(np.array([0]), np.array([0]), 0.9).tolist() == [1.0]


def test_the_bound_when_every_case_is_an_error_is_one() -> None:
    assert upper_bound(np.array([3, 10]), np.array([3, 10]), 0.9).tolist() == [1.0, 1.0]


def test_the_bound_for_zero_errors_shrinks_as_the_sample_grows() -> None:
    n = np.array([1, 5, 10, 50, 100, 1000, 10000])
    ub = upper_bound(np.zeros_like(n), n, 0.9)
    assert np.all(np.diff(ub) < 0)
    assert ub[-1] < 0.001


def test_the_bound_for_zero_errors_matches_the_closed_form() -> None:
    # With no errors Clopper-Pearson reduces to 1 - (1 - confidence) ** (1 / n).
    n = np.array([10, 100, 1000])
    expected = 1 - 0.1 ** (1 / n)
    assert upper_bound(np.zeros(3), n, 0.9) == pytest.approx(expected, rel=1e-9)


def test_the_bound_grows_with_the_confidence_asked_for() -> None:
    bounds = [float(upper_bound(np.array([2]), np.array([100]), c)[0]) for c in (0.5, 0.9, 0.99)]
    assert bounds == sorted(bounds)
    assert bounds[0] < bounds[1] < bounds[2]


def test_the_bound_is_never_below_the_observed_rate_nor_above_one() -> None:
    errors = np.array([0, 1, 5, 20, 50, 99])
    n = np.full(6, 100)
    ub = upper_bound(errors, n, 0.9)
    assert np.all(ub >= errors / n)
    assert np.all(ub <= 1.0)


def test_the_bound_grows_with_the_number_of_errors() -> None:
    ub = upper_bound(np.arange(0, 10), np.full(10, 200), 0.9)
    assert np.all(np.diff(ub) > 0)


# --- derive ---------------------------------------------------------------------------


def test_on_separable_data_both_thresholds_automate() -> None:
    proba, spam = separable(2000)
    t = derive(proba, spam, **TARGETS)
    assert 0.0 < t.low <= t.high < 1.0
    spam_rate, ham_rate, n_approved, n_rejected = realised(t, proba, spam)
    assert n_approved == (~spam).sum()
    assert n_rejected == spam.sum()
    assert (spam_rate, ham_rate) == (0.0, 0.0)


def test_derive_records_the_targets_it_was_given() -> None:
    proba, spam = separable(500)
    t = derive(proba, spam, spam_in_approved=0.02, ham_in_rejected=0.03, confidence=0.8)
    assert (t.spam_in_approved, t.ham_in_rejected, t.confidence) == (0.02, 0.03, 0.8)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("shift", [1.0, 2.0, 3.0])
@pytest.mark.parametrize(("spam_target", "ham_target"), [(0.05, 0.05), (0.02, 0.1), (0.1, 0.01)])
def test_on_overlapping_data_the_realised_errors_stay_within_the_targets(
    seed: int, shift: float, spam_target: float, ham_target: float
) -> None:
    proba, spam = overlapping(3000, seed, shift)
    t = derive(
        proba, spam, spam_in_approved=spam_target, ham_in_rejected=ham_target, confidence=0.9
    )
    assert t.low <= t.high
    spam_rate, ham_rate, _, _ = realised(t, proba, spam)
    assert spam_rate <= spam_target
    assert ham_rate <= ham_target


@pytest.mark.parametrize("seed", range(3))
def test_on_overlapping_data_both_ends_automate_and_the_middle_waits(seed: int) -> None:
    proba, spam = overlapping(3000, seed)
    t = derive(proba, spam, spam_in_approved=0.05, ham_in_rejected=0.05, confidence=0.9)
    _, _, n_approved, n_rejected = realised(t, proba, spam)
    assert n_approved > 0 and n_rejected > 0
    assert ((proba >= t.low) & (proba <= t.high)).any()


def test_with_only_twenty_examples_the_bound_keeps_it_from_automating() -> None:
    spam = np.arange(20) % 2 == 0
    proba = np.where(spam, 0.9, 0.1)  # perfectly separated, but too few to prove it
    t = derive(proba, spam, **TARGETS)
    assert (t.low, t.high) == (0.0, 1.0)
    _, _, n_approved, n_rejected = realised(t, proba, spam)
    assert (n_approved, n_rejected) == (0, 0)


def test_with_twenty_random_examples_neither_side_automates() -> None:
    proba, spam = separable(20, seed=3)
    t = derive(proba, spam, **TARGETS)
    assert t.low == 0.0 or t.high == 1.0
    assert (t.low, t.high) == (0.0, 1.0)


def test_a_looser_target_never_automates_less() -> None:
    proba, spam = overlapping(3000, 1)
    strict = derive(proba, spam, spam_in_approved=0.02, ham_in_rejected=0.02, confidence=0.9)
    loose = derive(proba, spam, spam_in_approved=0.1, ham_in_rejected=0.1, confidence=0.9)
    assert loose.low >= strict.low
    assert loose.high <= strict.high


def test_a_higher_confidence_never_automates_more() -> None:
    proba, spam = overlapping(3000, 2)
    sure = derive(proba, spam, spam_in_approved=0.05, ham_in_rejected=0.05, confidence=0.99)
    casual = derive(proba, spam, spam_in_approved=0.05, ham_in_rejected=0.05, confidence=0.6)
    assert sure.low <= casual.low
    assert sure.high >= casual.high


@pytest.mark.parametrize("seed", range(20))
def test_low_is_never_above_high(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(20, 2000))
    spam = rng.random(n) < rng.uniform(0.1, 0.9)
    logit = rng.normal(0.0, 1.0, n) + np.where(spam, rng.uniform(0, 8), 0.0)
    proba = np.round(1 / (1 + np.exp(-logit)), int(rng.integers(1, 5)))  # ties too
    t = derive(proba, spam, spam_in_approved=0.05, ham_in_rejected=0.05, confidence=0.9)
    assert 0.0 <= t.low <= t.high <= 1.0


def test_tied_scores_are_never_split_between_approved_and_rest() -> None:
    # 300 ham at 0.1, then 300 comments at 0.5 of which a third is spam.
    proba = np.array([0.1] * 300 + [0.5] * 300)
    spam = np.array([False] * 300 + [True, False, False] * 100)
    t = derive(proba, spam, spam_in_approved=0.01, ham_in_rejected=0.01, confidence=0.9)
    assert 0.1 < t.low <= 0.5
    assert (proba < t.low).sum() == 300


def test_derive_refuses_probabilities_and_labels_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        derive(np.array([0.1, 0.2]), np.array([True]), **TARGETS)


def test_derive_refuses_two_dimensional_input() -> None:
    with pytest.raises(ValueError, match="1-D"):
        derive(np.zeros((2, 2)), np.zeros((2, 2), dtype=bool), **TARGETS)


def test_thresholds_round_trip_through_a_dict() -> None:
    t = Thresholds(0.1, 0.9, 0.01, 0.005, 0.9)
    assert Thresholds.from_dict(t.to_dict()) == t
    assert Thresholds.from_dict({**t.to_dict(), "low": "0.25"}).low == 0.25


# --- observed rates (validation by source) ----------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_with_observed_rates_the_validation_data_itself_meets_the_targets(seed: int) -> None:
    proba, spam = overlapping(3000, seed)
    t = derive(
        proba, spam, spam_in_approved=0.02, ham_in_rejected=0.01, confidence=0.9, bounded=False
    )
    spam_rate, ham_rate, n_approved, n_rejected = realised(t, proba, spam)
    assert spam_rate <= 0.02 and ham_rate <= 0.01
    assert n_approved > 0 and n_rejected > 0


@pytest.mark.parametrize("seed", range(3))
def test_observed_rates_never_automate_less_than_a_bound(seed: int) -> None:
    proba, spam = overlapping(2000, seed)
    bounded = derive(proba, spam, **TARGETS)
    observed = derive(proba, spam, **TARGETS, bounded=False)
    assert observed.low >= bounded.low
    assert observed.high <= bounded.high


def test_with_observed_rates_one_early_error_does_not_stop_approving() -> None:
    # A spam comment scored lowest of all, then 300 ham: 1 in 301 is under 1 %.
    proba = np.linspace(0.01, 0.3, 301)
    spam = np.zeros(301, dtype=bool)
    spam[0] = True
    t = derive(proba, spam, **TARGETS, bounded=False)
    assert (proba < t.low).sum() == 301


def test_observed_rates_record_the_confidence_they_were_asked_for() -> None:
    proba, spam = separable(200)
    assert derive(proba, spam, **TARGETS, bounded=False).confidence == TARGETS["confidence"]


def test_the_observed_rate_of_nothing_decided_is_zero() -> None:
    assert observed(np.array([0, 1, 2]), np.array([0, 10, 4])).tolist() == [0.0, 0.1, 0.5]


# --- which folds the thresholds are validated on ----------------------------------------


def sources(sizes: dict[str, int]) -> list[Example]:
    """Half spam, half ham from each named source (a video, say)."""
    out = []
    for group, n in sizes.items():
        for i in range(n):
            spam = i % 2 == 0
            body = f"buy cheap pills {group} {i} http://x{i}.xyz" if spam else f"nice {group} {i}"
            out.append(Example(CommentText(body), spam, f"{group}.csv", group))
    return out


def test_several_sources_are_validated_one_held_out_at_a_time() -> None:
    examples = sources({"a": 40, "b": 50, "c": 60})
    y = np.array([e.spam for e in examples], dtype=int)
    folds, by_source = validation_folds(examples, y, seed=0)
    assert by_source
    assert len(folds) == 3
    groups = np.array([e.group for e in examples])
    for fit, held in folds:
        assert len(set(groups[held])) == 1
        assert not set(groups[held]) & set(groups[fit])


@pytest.mark.parametrize(
    "sizes",
    [
        {"": 150},
        {"a": 75, "b": 75},
        {"a": 60, "b": 60, "c": 10},
        # the seed corpus beside a site's labels of several sources
        {"": 400, "moderator": 40, "wordpress": 40, "import": 40},
    ],
    ids=["no-sources", "two-sources", "one-source-too-small", "one-source-dominates"],
)
def test_without_enough_sources_the_folds_are_stratified(sizes: dict[str, int]) -> None:
    examples = sources(sizes)
    y = np.array([e.spam for e in examples], dtype=int)
    folds, by_source = validation_folds(examples, y, seed=0)
    assert not by_source
    assert len(folds) == 5
    held = np.sort(np.concatenate([h for _, h in folds]))
    assert held.tolist() == list(range(len(examples)))


def test_a_model_records_how_its_thresholds_were_validated(tiny_model: TrainedModel) -> None:
    assert tiny_model.metadata["threshold_folds"]["by"] == "stratified"
    grouped = train(sources({"a": 40, "b": 40, "c": 40}), holdout_fraction=0)
    assert grouped.metadata["threshold_folds"] == {"by": "source", "folds": 3, "rates": "observed"}


def test_thresholds_never_approve_likely_spam_nor_reject_likely_ham():
    # Perfectly separated validation scores would allow cuts far from 0.5; the
    # thresholds stay on the sane side of a coin toss anyway.
    proba = np.concatenate([np.linspace(0.0, 0.8, 400), np.linspace(0.9, 1.0, 400)])
    spam = np.concatenate([np.zeros(400, bool), np.ones(400, bool)])
    t = derive(proba, spam, spam_in_approved=0.01, ham_in_rejected=0.005, confidence=0.8)
    assert t.low <= 0.5 <= t.high


# --- audits: the tightening rule --------------------------------------------------------


def test_each_level_halves_the_room_for_automatic_decisions() -> None:
    from moderation.classifier.thresholds import Thresholds, tightened

    t = Thresholds(0.4, 0.9, 0.01, 0.005, 0.8)
    assert tightened(t) == t
    one = tightened(t, approve_level=1)
    assert (one.low, one.high) == (0.2, 0.9)
    two = tightened(t, reject_level=2)
    assert two.low == 0.4
    assert abs((1 - two.high) - 0.1 / 4) < 1e-12


def test_a_step_needs_enough_audits_an_error_and_a_bound_past_the_target() -> None:
    from moderation.ops.audits import MIN_AUDITS, step_due

    assert not step_due(MIN_AUDITS - 1, 5, 0.01, 0)
    assert not step_due(MIN_AUDITS, 0, 0.01, 0)
    assert step_due(MIN_AUDITS, 1, 0.01, 0)
    assert not step_due(10_000, 1, 0.01, 0)  # one error in ten thousand: within target
    assert not step_due(MIN_AUDITS, 10, 0.01, 4)  # the last level
