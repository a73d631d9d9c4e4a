"""One way to empty the database between tests: `reset(conn)`.

Every table a request writes is emptied, except the model registry (models,
model_activations, training_jobs): tests that change it use a database of
their own. The end-to-end servers keep their tokens and desk sessions.
"""

from __future__ import annotations

from typing import Any

TABLES = (
    "comments",
    "comment_history",
    "labels",
    "checks",
    "check_history",
    "flood_events",
    "idempotency_keys",
    "webhook_deliveries",
    "audits",
    "threshold_steps",
    "articles",
    "comment_imports",
    "comment_notes",
    "site_rules",
    "site_rule_changes",
    "comment_flags",
    "reader_emails",
    "mail_outbox",
)
CREDENTIALS = ("tokens", "sessions")


# Sites other than `default` go, with the models and jobs tests made for them.
_OTHER_SITES = (
    "DELETE FROM model_activations WHERE site <> 'default'; "
    "DELETE FROM training_jobs WHERE site <> 'default'; "
    "DELETE FROM models WHERE site <> 'default'; "
    "DELETE FROM sites WHERE id <> 'default'"
)


def reset_statement(*, keep_tokens: bool = False) -> str:
    tables = TABLES if keep_tokens else TABLES + CREDENTIALS
    return f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"


async def reset(conn: Any, *, keep_tokens: bool = False) -> None:
    await conn.execute(f"{reset_statement(keep_tokens=keep_tokens)}; {_OTHER_SITES}")
