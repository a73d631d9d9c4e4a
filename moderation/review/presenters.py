"""Comments as plain dicts: the moderator API's view, and the desk's (segments, actions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moderation.classifier import explain
from moderation.review import text

STATUSES = ("approved", "pending", "rejected")


def moderator_view(row: Any, now: datetime | None = None) -> dict[str, Any]:
    """A comment with everything a moderator needs (emails and IPs included)."""
    decision = row["decision"] or {}
    created = row["created_at"]
    return {
        "id": row["id"],
        "article": row["article"],
        "parent_id": row["parent_id"],
        "name": row["author_name"],
        "email": row["author_email"],
        "url": row["author_url"],
        "body": row["body"],
        "client_ip": str(row["client_ip"]) if row["client_ip"] is not None else None,
        "user_agent": row["user_agent"],
        "referrer": row["referrer"],
        "status": row["status"],
        "rejection": row["rejection"],
        "spam_score": row["spam_score"],
        "model_version": row["model_version"],
        "reasons": list(row["reasons"]),
        "rules": decision.get("rules", []),
        "top_features": decision.get("top_features", []),
        # Decisions made before readable reasons were kept get them from their terms.
        "why": decision.get("why") or explain.why(decision.get("top_features", [])),
        "thresholds": decision.get("thresholds"),
        "decided_by": row["decided_by"],
        "created_at": created,
        "updated_at": row["updated_at"],
        "age_seconds": int(((now or datetime.now(created.tzinfo)) - created).total_seconds()),
        "claimed_by": row["claimed_by"],
        "claim_expires_at": row["claim_expires_at"],
    }


def outcome(status: str, rejection: str | None) -> str:
    """The one-word state a moderator reads: approved, pending, spam or removed."""
    return rejection if status == "rejected" and rejection else status


def actions_for(status: str, rejection: str | None) -> list[str]:
    """The decisions that would change a comment's state (a reversal for decided ones)."""
    now = outcome(status, rejection)
    resulting = {"approve": "approved", "spam": "spam", "reject": "removed"}
    return [a for a, result in resulting.items() if result != now]


def comment(row: Any, now: datetime | None = None) -> dict[str, Any]:
    """A comment for the desk: the moderator API's view plus what the page shows."""
    view = moderator_view(row, now or datetime.now(UTC))
    words = text.spam_words(view["top_features"])
    thresholds = view["thresholds"] or {}
    fired = {f"{r.get('rule')}: {r.get('detail')}" for r in view["rules"] if isinstance(r, dict)}
    view.update(
        # the reasons that are not just the rules again (those show as their own list)
        other_reasons=[r for r in view["reasons"] if r not in fired],
        outcome=outcome(view["status"], view["rejection"]),
        segments=text.highlight(view["body"], words),
        spam_words=sorted(words),
        age=text.ago(view["age_seconds"]),
        low=thresholds.get("low"),
        high=thresholds.get("high"),
        actions=actions_for(view["status"], view["rejection"]),
        features=[
            {"term": w["label"], "weight": w["weight"], "spam": w["towards"] == "spam"}
            for w in view["why"]
            if abs(w["weight"]) >= explain.WEIGHT_FLOOR
        ],
    )
    return view


def decided_view(row: Any) -> dict[str, Any]:
    """A comment just decided (or undone): `decision_id` is what an undo names."""
    return {**moderator_view(row), "decision_id": row["decision_id"]}


def history_entry(row: Any) -> dict[str, Any]:
    return {
        "at": row["at"],
        "by": row["actor"],
        "automatic": row["actor"] == "auto",
        "from": row["from_status"],
        "to": outcome(row["to_status"], row["rejection"]),
        "spam_score": row["spam_score"],
        "model_version": row["model_version"],
        "note": row["note"],
    }


def check_view(row: Any, now: datetime | None = None) -> dict[str, Any]:
    """An Akismet check with everything a moderator needs; `kind` says it is not a comment."""
    decision = row["decision"] or {}
    created = row["created_at"]
    return {
        "kind": "check",
        "id": row["id"],
        "guid": str(row["guid"]),
        "site": row["site"],
        "key_name": row["key_name"],
        "comment_type": row["comment_type"],
        "permalink": row["permalink"],
        "name": row["author_name"],
        "email": row["author_email"],
        "url": row["author_url"],
        "body": row["body"],
        "client_ip": str(row["client_ip"]) if row["client_ip"] is not None else None,
        "user_agent": row["user_agent"],
        "referrer": row["referrer"],
        "status": row["status"],
        "rejection": row["rejection"],
        "spam_score": row["spam_score"],
        "model_version": row["model_version"],
        "reasons": list(row["reasons"]),
        "rules": decision.get("rules", []),
        "top_features": decision.get("top_features", []),
        "thresholds": decision.get("thresholds"),
        "fields": row["fields"],
        "decided_by": row["decided_by"],
        "created_at": created,
        "updated_at": row["updated_at"],
        "age_seconds": int(((now or datetime.now(created.tzinfo)) - created).total_seconds()),
        "claimed_by": row["claimed_by"],
        "claim_expires_at": row["claim_expires_at"],
    }


def history_entries(rows: Any) -> list[dict[str, Any]]:
    """Status changes as the moderator API lists them."""
    return [
        {
            "at": r["at"],
            "by": r["actor"],
            "from": r["from_status"],
            "to": r["to_status"],
            "rejection": r["rejection"],
            "spam_score": r["spam_score"],
            "model_version": r["model_version"],
            "note": r["note"],
        }
        for r in rows
    ]
