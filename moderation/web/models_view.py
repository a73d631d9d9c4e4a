"""What the Models page's template gets: versions, jobs, comparisons and the what-if chart,
as plain dicts of display strings (the template escapes them; it computes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from moderation.registry.presenters import model_view
from moderation.review import text

DASH = "\u2013"  # an en dash: no figure
DONE_STATES = ("succeeded", "failed")
OUTCOMES = (("approved", "Approved"), ("queued", "Queued for review"), ("rejected", "Rejected"))


def number(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else DASH


def percent(value: Any, digits: int = 1) -> str:
    return f"{value * 100:.{digits}f} %" if isinstance(value, int | float) else DASH


def count_rate(value: Any) -> str:
    """`{"count": 3, "rate": 0.006}` as "3 (0.6 %)"."""
    if not isinstance(value, Mapping) or not isinstance(value.get("count"), int):
        return DASH
    return f"{value['count']} ({percent(value.get('rate'))})"


def when(at: datetime | None, now: datetime) -> dict[str, str] | None:
    if at is None:
        return None
    ago = text.ago((now - at).total_seconds())
    return {
        "iso": at.isoformat(),
        "date": at.strftime("%Y-%m-%d %H:%M UTC"),
        "ago": ago if ago == "just now" else f"{ago} ago",
    }


# Figures shown side by side: (key in an evaluation report, label, formatter).
FIGURES = (
    ("mcc", "MCC", number),
    ("roc_auc", "ROC AUC", number),
    ("coverage", "Coverage", percent),
    ("auto_error_rate", "Auto-error", percent),
    ("ham_auto_rejected", "Ham auto-rejected", count_rate),
)
COMPARED = (
    *FIGURES,
    ("spam_auto_approved", "Spam auto-approved", count_rate),
    ("accuracy", "Accuracy", percent),
    ("n", "Held-out comments", str),
)


def figures(
    report: Mapping[str, Any] | None, which: Sequence[tuple[str, str, Any]] = FIGURES
) -> list[dict[str, str]]:
    report = report or {}
    return [
        {"key": key, "label": label, "value": fmt(report[key]) if key in report else DASH}
        for key, label, fmt in which
    ]


def sources(counts: Mapping[str, Any] | None) -> str:
    """Label sources as "name count"; files by their name (".../corpus/ham.jsonl": ham.jsonl)."""
    return ", ".join(f"{name.rsplit('/', 1)[-1]} {n}" for name, n in sorted((counts or {}).items()))


def data_counts(described: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Training data as counts: `describe()` in classifier/train.py."""
    if not isinstance(described, Mapping) or "n" not in described:
        return None
    return {
        "n": described["n"],
        "spam": described.get("spam", DASH),
        "ham": described.get("ham", DASH),
        "sources": sources(described.get("sources")),
    }


def version_row(row: Any, previous: str | None, now: datetime) -> dict[str, Any]:
    view = model_view(row)
    return {
        "version": view["version"],
        "state": view["state"],
        "created": when(view["created_at"], now),
        "activated": when(view["activated_at"], now),
        "by": view["created_by"],
        "data": data_counts(view["training_data"]),
        "figures": figures(view["figures"]),
        "can_activate": view["state"] != "active",
        "is_previous": view["version"] == previous,
    }


def job_view(row: Any, now: datetime | None = None) -> dict[str, Any]:
    """A training job for the panel and for its JSON endpoint (no datetimes, only strings)."""
    now = now or datetime.now(UTC)
    progress = row["progress"] if isinstance(row["progress"], Mapping) else {}
    state = str(row["state"])
    percent_done = progress.get("percent", 0)
    message = progress.get("message") or ("waiting to start" if state == "queued" else "")
    if state == "succeeded":
        done = "registered and activated" if row["activated"] else "registered as a candidate"
        message = f"finished: {row['model_version']} {done}"
    elif state == "failed":
        message = "failed"
    started = when(row["started_at"], now)
    finished = when(row["finished_at"], now)
    return {
        "id": int(row["id"]),
        "state": state,
        "done": state in DONE_STATES,
        "percent": int(percent_done) if isinstance(percent_done, int | float) else 0,
        "stage": str(progress.get("stage") or state),
        "message": str(message),
        "error": row["error"],
        "model_version": row["model_version"],
        "activated": bool(row["activated"]),
        "include_seed": bool((row["params"] or {}).get("include_seed", True)),
        "created_by": row["created_by"],
        "created": when(row["created_at"], now),
        "started": started,
        "finished": finished,
    }


def comparison_view(job: Any) -> dict[str, Any] | None:
    """A finished job's candidate and the then-active model, on the same held-out labels."""
    comparison = job["comparison"]
    if not isinstance(comparison, Mapping) or not comparison.get("candidate"):
        return None
    candidate = comparison["candidate"]
    active = comparison.get("active") or None
    cand_rows = figures(candidate, COMPARED)
    act_rows = figures(active, COMPARED) if active else [{"value": DASH}] * len(cand_rows)
    heldout = comparison.get("heldout") or {}
    return {
        "job_id": int(job["id"]),
        "candidate": str(candidate.get("version", "")),
        "active": str(active.get("version", "")) if active else None,
        "better": bool(comparison.get("better")),
        "n": heldout.get("n", DASH),
        "sources": sources(heldout.get("sources")),
        "rows": [
            {"label": c["label"], "candidate": c["value"], "active": a["value"]}
            for c, a in zip(cand_rows, act_rows, strict=True)
        ],
    }


# The what-if chart: an SVG drawn here, sized with attributes (CSP allows those, not style).
CHART_WIDTH = 360
LABEL_WIDTH = 124
BAR_SPACE = 180  # the width of a 100 % bar
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 12


def chart(projection: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> dict[str, Any]:
    """Bars for the shares approved, queued and rejected (and at the model's own thresholds)."""
    series = [("proposed", projection)] + ([("baseline", baseline)] if baseline else [])
    y = GROUP_GAP / 2
    groups = []
    for key, label in OUTCOMES:
        bars: list[dict[str, Any]] = []
        first = y
        for kind, doc in series:
            share = float(doc.get(key, 0.0))
            width = round(max(0.0, min(share, 1.0)) * BAR_SPACE, 1)
            bars.append(
                {
                    "kind": kind,
                    "x": LABEL_WIDTH,
                    "y": round(y, 1),
                    "width": width,
                    "height": BAR_HEIGHT,
                    "text_x": round(LABEL_WIDTH + width + 5, 1),
                    "text_y": round(y + BAR_HEIGHT - 4, 1),
                    "value": percent(share),
                }
            )
            y += BAR_HEIGHT + BAR_GAP
        groups.append(
            {
                "key": key,
                "label": label,
                "label_y": round(first + (y - BAR_GAP - first) / 2 + 4, 1),
                "bars": bars,
            }
        )
        y += GROUP_GAP - BAR_GAP
    return {
        "width": CHART_WIDTH,
        "height": round(y - GROUP_GAP / 2, 1),
        "track": BAR_SPACE,
        "groups": groups,
    }


def what_if_view(result: Any) -> dict[str, Any]:
    """The simulator's answer (registry/whatif.WhatIf) for the template."""
    p = result.projection
    errors = p["expected_errors"]
    baseline = result.baseline
    return {
        "model_version": result.model_version,
        "low": number(result.thresholds.low, 3),
        "high": number(result.thresholds.high, 3),
        "own_low": number(result.own.low, 3),
        "own_high": number(result.own.high, 3),
        "basis": result.basis,
        "history": result.history,
        "n": p["n"],
        "spam": p["spam"],
        "ham": p["ham"],
        "shares": [
            {
                "key": key,
                "label": label,
                "value": percent(p[key]),
                "baseline": percent(baseline[key]) if baseline else None,
            }
            for key, label in OUTCOMES
        ],
        "errors": [
            {"label": "Spam approved", "value": str(errors["spam_approved"])},
            {"label": "Ham rejected", "value": str(errors["ham_rejected"])},
            {"label": "Spam among approved", "value": percent(errors["spam_in_approved"], 2)},
            {"label": "Ham among rejected", "value": percent(errors["ham_in_rejected"], 2)},
            {
                "label": "Errors among automatic decisions",
                "value": percent(errors["auto_error_rate"], 2),
            },
        ],
        "chart": chart(p, baseline) if p["n"] else None,
    }
