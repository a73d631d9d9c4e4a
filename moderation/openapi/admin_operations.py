"""The admin part of the operations table: tokens, statistics, models, training,
labels, the simulator and readers' data."""

from __future__ import annotations

from moderation.domain import Role
from moderation.http.schemas_moderator import (
    ArticleSettingsIn,
    TokenIn,
    TrainingIn,
)
from moderation.http.schemas_sites import SiteIn, SiteOut, SitePage
from moderation.openapi.admin_answers import (
    ArticleSettings,
    Erasure,
    Export,
    LabelImport,
    ModelDetail,
    ModelPage,
    ModelSummary,
    NewToken,
    Simulation,
    Stats,
    TokenPage,
    TrainingJob,
    TrainingPage,
    TrainingQueued,
)
from moderation.openapi.table import (
    AUTH,
    BODY_PROBLEMS,
    DB,
    Body,
    Operation,
    Param,
    Reply,
    id_param,
    json_body,
)
from moderation.settings import Settings


def admin_operations(settings: Settings) -> list[Operation]:
    """What admins may do (moderators get 403)."""
    admin = Role.ADMIN
    score = {"type": "number", "minimum": 0, "maximum": 1}
    version = Param("version", "path", {"type": "string", "minLength": 1}, "A model's version.")
    email = Param(
        "email",
        "path",
        {"type": "string", "format": "email", "maxLength": 254},
        "The reader's email address (any case).",
    )
    article = Param(
        "article", "path", {"type": "string", "minLength": 1, "maxLength": 200}, "The article key."
    )
    return [
        Operation(
            "post",
            "/v1/admin/tokens",
            "create_token",
            "Create an API token",
            "admin",
            admin,
            body=json_body(TokenIn),
            replies={201: Reply("The token, with its secret (shown once).", NewToken)},
            problems=(*AUTH, *BODY_PROBLEMS, 404, 409, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/tokens",
            "list_tokens",
            "API tokens",
            "admin",
            admin,
            params=[
                Param(
                    "all",
                    "query",
                    {"type": "boolean"},
                    "Present (any value): include revoked tokens.",
                )
            ],
            replies={200: Reply("The tokens (never their secrets).", TokenPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "delete",
            "/v1/admin/tokens/{id}",
            "revoke_token",
            "Revoke an API token",
            "admin",
            admin,
            params=[id_param("token")],
            replies={204: Reply("Revoked.")},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/sites",
            "list_sites",
            "Sites",
            "admin",
            admin,
            description="Every site, for a token of every site; an admin of one site sees it.",
            replies={200: Reply("The sites.", SitePage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/sites",
            "create_site",
            "Create a site",
            "admin",
            admin,
            description="Needs an admin token of every site.",
            body=json_body(SiteIn),
            replies={201: Reply("The new site.", SiteOut)},
            problems=(*AUTH, *BODY_PROBLEMS, 409, *DB),
        ),
        Operation(
            "get",
            "/v1/stats",
            "stats",
            "Queue depth and today's decisions",
            "admin",
            admin,
            description="Status changes since the start of the UTC day, automatic vs human.",
            replies={200: Reply("The figures.", Stats)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/models",
            "list_models",
            "The model registry",
            "models",
            admin,
            replies={200: Reply("Every model, newest first.", ModelPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/models/rollback",
            "rollback_model",
            "Activate the previously active model",
            "models",
            admin,
            replies={200: Reply("The model now active.", ModelSummary)},
            problems=(*AUTH, 404, 409, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/models/{version}",
            "show_model",
            "A model and its metadata",
            "models",
            admin,
            params=[version],
            replies={200: Reply("The model.", ModelDetail)},
            problems=(400, *AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/models/{version}/activate",
            "activate_model",
            "Make a model the active one",
            "models",
            admin,
            description="Every instance switches to it; pending comments are rescored. A model "
            "file that fails the trust checks is refused (422).",
            params=[version],
            replies={200: Reply("The model now active.", ModelSummary)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/training",
            "start_training",
            "Start a training job",
            "models",
            admin,
            description="Trains a candidate in a separate process; follow it with GET. One "
            "job runs at a time: 409 (with `job_id`) while another is queued or running.",
            body=json_body(TrainingIn, required=False),
            replies={202: Reply("Queued.", TrainingQueued)},
            problems=(*AUTH, *BODY_PROBLEMS, 409, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/training",
            "list_training",
            "Training jobs",
            "models",
            admin,
            replies={200: Reply("The latest 50 jobs, newest first.", TrainingPage)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/training/{id}",
            "show_training",
            "A training job",
            "models",
            admin,
            params=[id_param("job")],
            replies={200: Reply("The job.", TrainingJob)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "post",
            "/v1/admin/labels",
            "import_labels",
            "Import labelled comments",
            "models",
            admin,
            description="JSONL or CSV, the formats `moderation train` reads; duplicates (by "
            "content) are skipped.",
            params=[Param("source", "query", {"type": "string"}, "Recorded as import:<source>.")],
            body=Body(
                {
                    "application/x-ndjson": {"type": "string"},
                    "application/jsonl": {"type": "string"},
                    "text/csv": {"type": "string"},
                },
                description="One labelled comment per line (JSONL) or row (CSV).",
            ),
            replies={201: Reply("What was imported.", LabelImport)},
            problems=(*AUTH, 400, 413, 415, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/simulate",
            "simulate",
            "What-if: volumes and errors for other targets or thresholds",
            "models",
            admin,
            description=(
                "Replays the site's labels against a model (default: the active one) with "
                "thresholds derived for the given targets, or the given thresholds."
            ),
            params=[
                Param("version", "query", {"type": "string"}, "A model (default: active)."),
                Param(
                    "spam_in_approved",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                ),
                Param(
                    "ham_in_rejected",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                ),
                Param(
                    "confidence",
                    "query",
                    {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 1},
                ),
                Param("low", "query", score, "A low threshold to try."),
                Param("high", "query", score, "A high threshold to try."),
            ],
            replies={200: Reply("The projection.", Simulation)},
            problems=(400, *AUTH, 404, 409, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/commenters/{email}/export",
            "export_commenter",
            "Everything stored about an email address",
            "privacy",
            admin,
            params=[email],
            replies={200: Reply("Comments, their history and labels.", Export)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
        Operation(
            "delete",
            "/v1/admin/commenters/{email}",
            "erase_commenter",
            "Erase a reader",
            "privacy",
            admin,
            description="Anonymises their comments or removes them, as the site is configured.",
            params=[email],
            replies={200: Reply("What was erased.", Erasure)},
            problems=(400, *AUTH, 404, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/articles/{article}",
            "show_article",
            "An article's settings",
            "articles",
            admin,
            params=[article],
            replies={
                200: Reply("The settings and the state a submission meets now.", ArticleSettings)
            },
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "put",
            "/v1/admin/articles/{article}",
            "put_article",
            "Set an article's title, address, state and age limit",
            "articles",
            admin,
            description=(
                "`open`: comments are decided as usual; `premoderated`: every comment waits for "
                "a moderator; `closed`: submissions are refused with 403. `close_after_days` "
                "closes the article that many days after it was published (or first stored). "
                "Fields left out take their defaults."
            ),
            params=[article],
            body=json_body(ArticleSettingsIn),
            replies={
                200: Reply("Updated.", ArticleSettings),
                201: Reply("Stored for the first time.", ArticleSettings),
            },
            problems=(*AUTH, *BODY_PROBLEMS, 404, *DB),
        ),
    ]
