"""The readers' part of the operations table: a reader's own comments by a mailed link."""

from __future__ import annotations

from moderation.http.schemas_readers import (
    Appealed,
    AppealIn,
    ConfirmOut,
    OwnCommentPage,
    TokenIn,
)
from moderation.openapi.answers import TooMany
from moderation.openapi.table import BODY_PROBLEMS, DB, Operation, Param, Reply, id_param, json_body

LINK = (
    "The token is that of a link the service mailed to the reader (no account): it stands "
    "for their email address and expires; a bad or expired one is refused with 403."
)


def _token() -> Param:
    return Param(
        "token", "query", {"type": "string", "minLength": 1}, "The token of the mailed link."
    )


def readers_operations() -> list[Operation]:
    return [
        Operation(
            "post",
            "/v1/readers/confirm",
            "confirm_reader_email",
            "Confirm a reader's email address",
            "public",
            "public",
            description="With the token of the confirmation link. " + LINK,
            body=json_body(TokenIn),
            replies={200: Reply("The address is confirmed.", ConfirmOut)},
            problems=(*BODY_PROBLEMS, 403, *DB),
        ),
        Operation(
            "get",
            "/v1/readers/comments",
            "list_own_comments",
            "A reader's own comments and their status",
            "public",
            "public",
            description=(
                "Newest first (the newest 200). A spam rejection shows as pending when the "
                "service keeps that from authors. " + LINK
            ),
            params=[_token()],
            replies={200: Reply("The reader's comments.", OwnCommentPage)},
            problems=(400, 403, 422, *DB),
        ),
        Operation(
            "delete",
            "/v1/readers/comments/{id}",
            "delete_own_comment",
            "A reader deletes their comment",
            "public",
            "public",
            description="Flood-limited per address. " + LINK,
            params=[id_param("comment"), _token()],
            replies={204: Reply("Deleted.")},
            problems=(400, 403, 404, 422, 429, *DB),
            problem_models={429: TooMany},
        ),
        Operation(
            "post",
            "/v1/readers/comments/{id}/appeal",
            "appeal_own_comment",
            "A reader appeals the rejection of their comment",
            "public",
            "public",
            description=(
                "Once per comment, with a short note: the comment goes back to the review "
                "queue with the appeal as its reason. Flood-limited per address. " + LINK
            ),
            params=[id_param("comment")],
            body=json_body(AppealIn),
            replies={202: Reply("Back in the review queue.", Appealed)},
            problems=(*BODY_PROBLEMS, 403, 404, 409, 429, *DB),
            problem_models={429: TooMany},
        ),
    ]
