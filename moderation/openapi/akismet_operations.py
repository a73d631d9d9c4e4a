"""The operations of the Akismet account endpoints (1.1 and 1.2) and of the checks'
review queue (`/v1/checks`), with their answers. Kept apart from operations.py so
the Akismet API's additions read as one piece."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from moderation.domain import Role
from moderation.http.schemas_moderator import DecisionIn, StatusName
from moderation.intake.akismet import THANKS
from moderation.openapi.answers import (
    AkismetForm,
    AkismetKeyForm,
    CommentLabel,
    DecisionConflict,
    DecisionThresholds,
    HistoryPage,
    Label,
    Rejection,
    RuleHit,
)
from moderation.openapi.table import (
    AUTH,
    BODY_PROBLEMS,
    DB,
    PLAIN,
    Body,
    Operation,
    Param,
    Reply,
    _akismet,
    _page_params,
    id_param,
    json_body,
)
from moderation.settings import Settings

AKISMET_HEADERS = ("X-akismet-debug-help", "X-akismet-error", "X-akismet-alert-code")


class AkismetQuery(BaseModel):
    """The key and, for key-sites and activity, which month and how."""

    model_config = {"extra": "allow"}

    api_key: str = Field(default="", description="The API key (`key` also works).")
    key: str = ""
    month: str = Field(default="", description="`YYYY-MM`; this month by default.")
    format: Literal["json", "csv", ""] = ""
    order: str = ""
    limit: str = ""
    offset: str = ""


class UsageLimit(BaseModel):
    limit: Literal["none"] = Field(description="There is no limit here.")
    usage: int = Field(description="The site's checks this month.")
    percentage: str
    throttled: bool


class Subscription(BaseModel):
    model_config = {"extra": "allow"}

    account_name: str
    account_type: str
    status: Literal["active"]
    limit_reached: bool


class CheckItem(BaseModel):
    """An Akismet check as moderators see it (`kind: check`: not a comment)."""

    kind: Literal["check"]
    id: int
    guid: str
    site: str
    key_name: str
    comment_type: str
    permalink: str | None
    name: str
    email: str
    url: str | None
    body: str
    client_ip: str | None
    user_agent: str | None
    referrer: str | None
    status: StatusName
    rejection: Rejection | None
    spam_score: float | None = Field(ge=0, le=1)
    model_version: str | None
    reasons: list[str]
    rules: list[RuleHit]
    top_features: list[tuple[str, float]]
    thresholds: DecisionThresholds | None
    fields: dict[str, Any] = Field(description="What the site sent besides the comment.")
    decided_by: str
    created_at: datetime
    updated_at: datetime
    age_seconds: int
    claimed_by: str | None
    claim_expires_at: datetime | None


class ShownCheck(CheckItem):
    label: CommentLabel | None


class ChecksPage(BaseModel):
    items: list[CheckItem]
    next_cursor: str | None
    total: int = Field(description="Checks that match, counted up to 10 000.")


def _plain(
    method: str, path: str, operation_id: str, summary: str, answers: tuple[str, ...]
) -> Operation:
    said = " or ".join(f"`{a}`" for a in answers)
    return Operation(
        method,
        path,
        operation_id,
        summary,
        "akismet",
        "form-key",
        description=f"Akismet-compatible: one line of text/plain, {said}.",
        body=Body({"application/x-www-form-urlencoded": AkismetQuery}, required=False)
        if method == "post"
        else None,
        replies={200: Reply(f"{said}.", media=PLAIN, schema={"type": "string"})},
        problems=(400, 408, 413, *DB),
    )


def _json(
    method: str, path: str, operation_id: str, summary: str, model: type[BaseModel] | None
) -> Operation:
    schema = None if model else {"type": "object"}
    return Operation(
        method,
        path,
        operation_id,
        summary,
        "akismet",
        "form-key",
        description=(
            "Akismet-compatible: the key in `api_key` or `key` (form or query); JSON as "
            "Akismet gives it, or `invalid` (text/plain) for a bad key, with "
            + ", ".join(AKISMET_HEADERS)
            + "."
        ),
        params=[
            Param(name, "query", {"type": "string"})
            for name in ("api_key", "key", "month", "format", "order", "limit", "offset")
        ]
        if method == "get"
        else (),
        body=Body({"application/x-www-form-urlencoded": AkismetQuery}, required=False)
        if method == "post"
        else None,
        replies={
            200: Reply(
                summary,
                model,
                schema=schema,
                headers=AKISMET_HEADERS,
                also={PLAIN: {"type": "string"}},  # `invalid`, key-sites' CSV
            )
        },
        problems=(400, 408, 413, *DB),
    )


def akismet_operations(settings: Settings) -> list[Operation]:
    # The Akismet API's four calls and the WordPress bridge's own, then the plugin's
    # settings and stats screens.
    ops: list[Operation] = [
        _akismet(
            "/1.1/verify-key",
            "akismet_verify_key",
            "Akismet: verify a key",
            AkismetKeyForm,
            ("valid", "invalid"),
            ("X-akismet-debug-help",),
        ),
        _akismet(
            "/1.1/comment-check",
            "akismet_comment_check",
            "Akismet: check a comment (`true`: spam)",
            AkismetForm,
            ("true", "false", "invalid", "Missing required field: user_ip."),
            ("X-akismet-guid", "X-Moderation-Status", "X-akismet-pro-tip", "X-akismet-debug-help"),
        ),
        _akismet(
            "/1.1/submit-spam",
            "akismet_submit_spam",
            "Akismet: report missed spam",
            AkismetForm,
            (THANKS, "invalid"),
            ("X-akismet-debug-help",),
        ),
        _akismet(
            "/1.1/submit-ham",
            "akismet_submit_ham",
            "Akismet: report a false positive",
            AkismetForm,
            (THANKS, "invalid"),
            ("X-akismet-debug-help",),
        ),
        _akismet(
            "/1.1/submit-removed",
            "akismet_submit_removed",
            "WordPress bridge (not Akismet): a held comment was trashed or deleted there; "
            "`api_key` and `guid`",
            AkismetKeyForm,
            (THANKS, "invalid", "Missing required field: guid."),
            ("X-akismet-debug-help",),
        ),
    ]
    for method in ("get", "post"):
        ops += [
            _plain(method, "/1.1/test", f"akismet_test_{method}", "Connectivity", ("connected",)),
            _json(method, "/1.1/get-stats", f"akismet_get_stats_{method}", "Stats", None),
            _json(
                method,
                "/1.1/get-subscription",
                f"akismet_get_subscription_{method}",
                "Subscription",
                Subscription,
            ),
            _json(
                method,
                "/1.1/verify-wpcom-key",
                f"akismet_verify_wpcom_key_{method}",
                "The key's account",
                Subscription,
            ),
            _json(method, "/1.2/usage-limit", f"akismet_usage_limit_{method}", "Usage", UsageLimit),
            _json(method, "/1.2/key-sites", f"akismet_key_sites_{method}", "Sites", None),
            _json(method, "/1.2/activity", f"akismet_activity_{method}", "Activity", None),
        ]
    return ops + check_operations(settings)


def check_operations(settings: Settings) -> list[Operation]:
    moderator = Role.MODERATOR
    statuses = {"type": "string", "enum": ["approved", "pending", "rejected"]}
    return [
        Operation(
            "get",
            "/v1/checks",
            "list_checks",
            "Akismet checks waiting for review",
            "moderator",
            moderator,
            description="Checks in a status (default pending), oldest first.",
            params=[
                Param("status", "query", {**statuses, "default": "pending"}),
                Param("comment_type", "query", {"type": "string"}, "Only this type."),
                *_page_params(settings),
            ],
            replies={200: Reply("A page of checks.", ChecksPage)},
            problems=(*AUTH, 400, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/checks/{id}",
            "show_check",
            "One Akismet check",
            "moderator",
            moderator,
            params=[id_param("check")],
            replies={200: Reply("The check with its label.", ShownCheck)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "get",
            "/v1/checks/{id}/history",
            "check_history",
            "A check's status changes",
            "moderator",
            moderator,
            params=[id_param("check")],
            replies={200: Reply("Every status change, oldest first.", HistoryPage)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/checks/{id}/decision",
            "decide_check",
            "Decide on an Akismet check",
            "moderator",
            moderator,
            description=(
                "As a comment's decision; the site hears of it through a signed "
                "`check.decided` webhook."
            ),
            params=[id_param("check")],
            body=json_body(DecisionIn),
            replies={200: Reply("The check after the decision.", CheckItem)},
            problems=(*AUTH, 404, 409, *BODY_PROBLEMS, *DB),
            problem_models={409: DecisionConflict},
        ),
    ]


__all__ = ["Label", "akismet_operations"]
