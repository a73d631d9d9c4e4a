"""Score + rules + facts -> the decision, with its reasons. No I/O.

The same function decides for the JSON API, the HTML form, the Akismet API
and `moderation evaluate`, so what the evaluation reports is what the service
does.

Order of precedence:
1. a rule with a spam verdict (honeypot, blocked sender, disallowed word) rejects;
2. a spam probability above the high threshold rejects as spam, if the model
   knows this kind of comment (`classifier.familiarity`);
3. a rule with a review verdict holds the comment;
4. a probability below the low threshold approves, if the model knows it;
5. an uncertain or unfamiliar comment from an email with approved comments is approved;
6. an unfamiliar comment the score alone would have decided waits, saying why;
7. anything else waits for a moderator.
"""

from __future__ import annotations

from typing import Any

from moderation.classifier.explain import why
from moderation.classifier.scoring import Score
from moderation.classifier.thresholds import Thresholds
from moderation.domain import Decision, Facts, Rejection, Status
from moderation.rules import Hit, Verdict


def decide(
    score: Score,
    thresholds: Thresholds,
    hits: list[Hit],
    facts: Facts,
    *,
    model_version: str,
    trust_known_authors: bool = True,
) -> Decision:
    p = score.probability
    details: dict[str, Any] = {
        "thresholds": {"low": thresholds.low, "high": thresholds.high},
        "rules": [h.to_dict() for h in hits],
        "top_features": [[term, weight] for term, weight in score.top_features],
        "why": why(score.top_features),
    }
    known = score.familiarity
    familiar = known is None or known.familiar
    if known is not None:
        details["familiarity"] = {"known_share": known.known_share, "script": known.script}
    spam_rules = [h for h in hits if h.verdict is Verdict.SPAM]
    review_rules = [h for h in hits if h.verdict is Verdict.REVIEW]

    def made(status: Status, outcome: str, *reasons: str) -> Decision:
        details["outcome"] = outcome
        return Decision(
            status,
            Rejection.SPAM if status is Status.REJECTED else None,
            reasons,
            spam_score=p,
            model_version=model_version,
            details=details,
        )

    if spam_rules:
        return made(Status.REJECTED, "rule_spam", *(f"{h.rule}: {h.detail}" for h in spam_rules))
    if p > thresholds.high and familiar:
        return made(
            Status.REJECTED,
            "confident_spam",
            f"spam probability {p:.3f} is above {thresholds.high:.3f}",
        )
    if review_rules:
        return made(Status.PENDING, "rule_review", *(f"{h.rule}: {h.detail}" for h in review_rules))
    if p < thresholds.low and familiar:
        return made(
            Status.APPROVED,
            "confident_ham",
            f"spam probability {p:.3f} is below {thresholds.low:.3f}",
        )
    if trust_known_authors and facts.author_has_approved:
        return made(
            Status.APPROVED,
            "known_author",
            f"spam probability {p:.3f} is uncertain; the author has approved comments",
        )
    if known is not None and known.reason and not thresholds.low <= p <= thresholds.high:
        return made(Status.PENDING, "unfamiliar", known.reason)
    return made(
        Status.PENDING,
        "uncertain",
        f"spam probability {p:.3f} is between {thresholds.low:.3f} and {thresholds.high:.3f}",
    )
