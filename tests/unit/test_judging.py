"""Retraining's judging sets: what a candidate learns from and what it is judged on."""

from __future__ import annotations

from moderation.classifier import seed
from moderation.classifier.data import Example
from moderation.classifier.features import CommentText
from moderation.classifier.persist import TrainedModel
from moderation.registry.training import RECENT_SHARE, compare, judging_sets, split
from moderation.rules import SiteRules


def _site(n: int) -> list[Example]:
    """A site's labels, oldest first (store/training.site_labels orders them by time);
    the source says when each was made, and every other one is spam."""
    return [
        Example(CommentText(f"comment number {i} on the story"), i % 2 == 1, f"label:{i:03d}")
        for i in range(n)
    ]


def _copy(model: TrainedModel) -> TrainedModel:
    """The session's model with metadata of its own, for compare() to write to."""
    return model.with_thresholds(model.thresholds)


def _bodies(examples: list[Example]) -> set[str]:
    return {e.comment.body for e in examples}


def test_the_newest_fifth_by_time_is_kept_to_judge_and_the_rest_is_trained_on():
    site = _site(50)
    fit, recent = split(site, include_seed=False)
    assert len(recent) == 50 * RECENT_SHARE
    assert [e.source for e in recent] == [f"label:{i:03d}" for i in range(40, 50)]
    assert [e.source for e in fit] == [f"label:{i:03d}" for i in range(40)]


def test_a_candidate_never_learns_the_seed_corpus_held_out_part_it_is_judged_on():
    seed_fit, seed_held = seed.load_corpus()
    for n in (3, 50):  # whether or not the site's newest labels can judge
        fit, _ = split(_site(n), include_seed=True)
        assert _bodies(seed_fit) <= _bodies(fit)
        assert not _bodies(seed_held) & _bodies(fit)


def test_the_judging_sets_are_the_sites_newest_then_the_independent_report_half():
    tune, report = seed.load_independent()
    _, seed_held = seed.load_corpus()
    _, recent = split(_site(50), include_seed=False)
    sets = judging_sets(recent)
    assert list(sets) == ["site_recent", "independent", "seed_heldout"]
    assert sets["site_recent"] == recent
    # The half that picked the seed model's thresholds would favour the seed.
    assert _bodies(sets["independent"]) == _bodies(report)
    assert not _bodies(sets["independent"]) & _bodies(tune)
    assert _bodies(sets["seed_heldout"]) == _bodies(seed_held)
    # Too few of a class to say anything: the site's line is left out.
    assert "site_recent" not in judging_sets(_site(50)[:6])


def test_compare_decides_on_the_sites_newest_labels_when_there_are_enough(
    tiny_model: TrainedModel, training_examples: list[Example]
):
    ham = [e for e in training_examples if not e.spam]
    spam = [e for e in training_examples if e.spam]
    site = [e for pair in zip(ham, spam, strict=True) for e in pair]  # oldest first
    _, recent = split(site, include_seed=False)
    assert min(sum(e.spam for e in recent), sum(not e.spam for e in recent)) >= 5
    candidate = _copy(tiny_model)  # compare() records its scores in the metadata
    result = compare(candidate, tiny_model, recent, SiteRules())
    assert result["decided_on"] == "site_recent"
    assert result["heldout"]["n"] == len(recent)
    assert set(result["sets"]) == {"site_recent", "independent", "seed_heldout"}
    assert result["sets"]["site_recent"]["active"]["version"] == tiny_model.version
    # The same model on both sides is not better than itself.
    assert result["better"] is False
    assert len(candidate.metadata["validation"]["spam"]) == len(recent)


def test_compare_falls_back_to_the_independent_set_without_enough_site_labels(
    tiny_model: TrainedModel,
):
    result = compare(_copy(tiny_model), None, _site(10)[-2:], SiteRules())
    assert result["decided_on"] == "independent"
    assert result["active"] is None
    assert result["better"] is True  # nothing to beat
