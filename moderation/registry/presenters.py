"""A registered model as the admin API and the Models page show it."""

from __future__ import annotations

from typing import Any


def model_view(row: Any, detail: bool = False) -> dict[str, Any]:
    meta = dict(row["metadata"])
    view = {
        "version": row["version"],
        "state": row["state"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "activated_at": row["activated_at"],
        "figures": meta.get("evaluation", {}).get("heldout"),
        "thresholds": meta.get("thresholds"),
        "training_data": meta.get("training_data"),
        "comparison": meta.get("comparison"),
    }
    if detail:
        meta.pop("validation", None)  # raw held-out scores: large, and only for the simulator
        view["metadata"] = meta
    return view
