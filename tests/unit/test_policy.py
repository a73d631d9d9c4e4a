"""policy.decide: the documented order of precedence, and what a decision records."""

from __future__ import annotations

import pytest

from moderation.classifier.familiarity import Familiarity
from moderation.classifier.scoring import Score
from moderation.classifier.thresholds import Thresholds
from moderation.domain import Decision, Facts, Rejection, Status
from moderation.policy import decide
from moderation.rules import Hit, Verdict

THRESHOLDS = Thresholds(
    low=0.2, high=0.8, spam_in_approved=0.01, ham_in_rejected=0.005, confidence=0.9
)
LOW, UNCERTAIN, HIGH = 0.05, 0.5, 0.95

SPAM_RULE = Hit("honeypot", Verdict.SPAM, "the hidden field was filled in")
OTHER_SPAM_RULE = Hit("blocked_ip", Verdict.SPAM, "the sender's address is blocked")
REVIEW_RULE = Hit("too_many_links", Verdict.REVIEW, "3 links (more than 2)")

KNOWN = Facts(author_has_approved=True)
STRANGER = Facts()


def run(
    p: float,
    hits: list[Hit] | None = None,
    facts: Facts = STRANGER,
    *,
    trust: bool = True,
    features: tuple[tuple[str, float], ...] = (),
) -> Decision:
    return decide(
        Score(p, features),
        THRESHOLDS,
        hits or [],
        facts,
        model_version="v-test",
        trust_known_authors=trust,
    )


# --- 1. spam rules --------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.0, LOW, UNCERTAIN, HIGH])
def test_a_spam_rule_rejects_whatever_the_score(p: float) -> None:
    d = run(p, [SPAM_RULE], KNOWN)
    assert d.status is Status.REJECTED
    assert d.rejection is Rejection.SPAM
    assert d.details["outcome"] == "rule_spam"


def test_a_spam_rule_beats_a_review_rule_and_a_known_author() -> None:
    d = run(LOW, [SPAM_RULE, REVIEW_RULE], KNOWN)
    assert d.details["outcome"] == "rule_spam"


def test_a_rule_rejection_gives_one_reason_per_spam_rule_only() -> None:
    d = run(LOW, [SPAM_RULE, REVIEW_RULE, OTHER_SPAM_RULE])
    assert d.reasons == (
        "honeypot: the hidden field was filled in",
        "blocked_ip: the sender's address is blocked",
    )


# --- 2. confident spam ----------------------------------------------------------------


def test_a_score_above_the_high_threshold_rejects_as_spam() -> None:
    d = run(HIGH)
    assert (d.status, d.rejection) == (Status.REJECTED, Rejection.SPAM)
    assert d.details["outcome"] == "confident_spam"
    assert "0.950" in d.reasons[0] and "0.800" in d.reasons[0]


def test_a_high_score_rejects_even_when_a_review_rule_fired() -> None:
    d = run(HIGH, [REVIEW_RULE])
    assert d.status is Status.REJECTED
    assert d.details["outcome"] == "confident_spam"


def test_a_high_score_rejects_even_a_known_author() -> None:
    assert run(HIGH, facts=KNOWN).details["outcome"] == "confident_spam"


def test_a_score_exactly_at_the_high_threshold_is_not_rejected() -> None:
    d = run(THRESHOLDS.high)
    assert d.status is Status.PENDING
    assert d.details["outcome"] == "uncertain"


# --- 3. review rules ------------------------------------------------------------------


def test_a_review_rule_holds_a_low_score() -> None:
    d = run(LOW, [REVIEW_RULE])
    assert (d.status, d.rejection) == (Status.PENDING, None)
    assert d.details["outcome"] == "rule_review"
    assert d.reasons == ("too_many_links: 3 links (more than 2)",)


def test_a_review_rule_holds_a_known_author() -> None:
    assert run(UNCERTAIN, [REVIEW_RULE], KNOWN).details["outcome"] == "rule_review"


# --- 4. confident ham -----------------------------------------------------------------


def test_a_score_below_the_low_threshold_approves() -> None:
    d = run(LOW)
    assert (d.status, d.rejection) == (Status.APPROVED, None)
    assert d.details["outcome"] == "confident_ham"
    assert "0.050" in d.reasons[0] and "0.200" in d.reasons[0]


def test_a_score_exactly_at_the_low_threshold_is_not_approved() -> None:
    assert run(THRESHOLDS.low).status is Status.PENDING


# --- 5. known authors -----------------------------------------------------------------


def test_an_uncertain_score_from_a_known_author_is_approved() -> None:
    d = run(UNCERTAIN, facts=KNOWN)
    assert (d.status, d.rejection) == (Status.APPROVED, None)
    assert d.details["outcome"] == "known_author"


def test_an_uncertain_score_from_a_known_author_waits_when_trust_is_off() -> None:
    d = run(UNCERTAIN, facts=KNOWN, trust=False)
    assert d.status is Status.PENDING
    assert d.details["outcome"] == "uncertain"


def test_with_trust_off_a_low_score_is_still_approved() -> None:
    assert run(LOW, facts=KNOWN, trust=False).details["outcome"] == "confident_ham"


# --- 6. everything else ---------------------------------------------------------------


def test_an_uncertain_score_from_a_stranger_waits_for_a_moderator() -> None:
    d = run(UNCERTAIN)
    assert (d.status, d.rejection) == (Status.PENDING, None)
    assert d.details["outcome"] == "uncertain"
    assert "0.500" in d.reasons[0]


# --- what a decision records ----------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "hits", "facts", "outcome"),
    [
        (LOW, [SPAM_RULE], STRANGER, "rule_spam"),
        (HIGH, [], STRANGER, "confident_spam"),
        (LOW, [REVIEW_RULE], STRANGER, "rule_review"),
        (LOW, [], STRANGER, "confident_ham"),
        (UNCERTAIN, [], KNOWN, "known_author"),
        (UNCERTAIN, [], STRANGER, "uncertain"),
    ],
)
def test_every_decision_records_score_version_thresholds_rules_and_features(
    p: float, hits: list[Hit], facts: Facts, outcome: str
) -> None:
    features = (("words:cheap", 0.4), ("meta:links:0", -0.3))
    d = run(p, hits, facts, features=features)
    assert d.spam_score == p
    assert d.model_version == "v-test"
    assert d.details == {
        "thresholds": {"low": 0.2, "high": 0.8},
        "rules": [h.to_dict() for h in hits],
        "top_features": [["words:cheap", 0.4], ["meta:links:0", -0.3]],
        "why": [
            {"term": "words:cheap", "label": "the word “cheap”", "weight": 0.4, "towards": "spam"},
            {"term": "meta:links:0", "label": "no links", "weight": -0.3, "towards": "ham"},
        ],
        "outcome": outcome,
    }
    assert d.reasons, "every decision gives at least one reason"


@pytest.mark.parametrize(
    ("p", "hits", "facts"),
    [
        (LOW, [SPAM_RULE], STRANGER),
        (HIGH, [], STRANGER),
        (LOW, [REVIEW_RULE], STRANGER),
        (LOW, [], STRANGER),
        (UNCERTAIN, [], KNOWN),
        (UNCERTAIN, [], STRANGER),
    ],
)
def test_the_rejection_is_spam_exactly_when_the_status_is_rejected(
    p: float, hits: list[Hit], facts: Facts
) -> None:
    d = run(p, hits, facts)
    assert (d.rejection is Rejection.SPAM) == (d.status is Status.REJECTED)
    assert d.rejection in (None, Rejection.SPAM)


def test_a_score_without_features_records_an_empty_feature_list() -> None:
    assert run(LOW).details["top_features"] == []


# --- familiarity ------------------------------------------------------------------------

UNFAMILIAR = Familiarity(0.22, "latin", "unfamiliar: 22 % of words known")


def unfamiliar(p: float, facts: Facts = STRANGER, hits: list[Hit] | None = None) -> Decision:
    return decide(Score(p, (), UNFAMILIAR), THRESHOLDS, hits or [], facts, model_version="v-test")


@pytest.mark.parametrize("p", [LOW, HIGH])
def test_an_unfamiliar_comment_the_score_would_decide_waits_and_says_why(p: float) -> None:
    d = unfamiliar(p)
    assert d.status is Status.PENDING
    assert d.details["outcome"] == "unfamiliar"
    assert d.reasons == ("unfamiliar: 22 % of words known",)
    assert d.details["familiarity"] == {"known_share": 0.22, "script": "latin"}


def test_an_unfamiliar_uncertain_comment_is_simply_uncertain() -> None:
    assert unfamiliar(UNCERTAIN).details["outcome"] == "uncertain"


def test_a_spam_rule_still_rejects_an_unfamiliar_comment() -> None:
    assert unfamiliar(LOW, hits=[SPAM_RULE]).details["outcome"] == "rule_spam"


def test_a_known_author_is_trusted_with_an_unfamiliar_comment() -> None:
    assert unfamiliar(LOW, KNOWN).details["outcome"] == "known_author"


def test_a_familiar_comment_is_decided_by_its_score() -> None:
    familiar = Familiarity(0.9, "latin", None)
    d = decide(Score(LOW, (), familiar), THRESHOLDS, [], STRANGER, model_version="v")
    assert d.details["outcome"] == "confident_ham"


def test_the_decision_keeps_readable_reasons_for_its_terms() -> None:
    d = run(HIGH, features=(("meta:links:2", 0.4),))
    assert d.details["why"][0]["label"] == "links to 2 sites"
