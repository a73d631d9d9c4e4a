"""The desk's part of the operations table: search, commenters, notes, site rules."""

from __future__ import annotations

from moderation.domain import Role
from moderation.http.schemas_desk import STATUSES, NoteIn, RulesIn
from moderation.openapi.desk_answers import Commenter, Note, NotePage, Rules, SearchPage
from moderation.openapi.table import (
    AUTH,
    BODY_PROBLEMS,
    DB,
    Operation,
    Param,
    Reply,
    _page_params,
    id_param,
    json_body,
)
from moderation.settings import Settings


def desk_operations(settings: Settings) -> list[Operation]:
    moderator = Role.MODERATOR
    text = {"type": "string", "maxLength": 500}
    when = {"type": "string", "format": "date-time"}
    return [
        Operation(
            "get",
            "/v1/comments",
            "search_comments",
            "Find comments",
            "moderator",
            moderator,
            description=(
                "Comments in any state, newest first, keyset-paged. `q` is PostgreSQL "
                'full-text search over the text and the author\'s name ("quoted phrase", '
                "`or`, `-word`), whole words without stemming; the other filters are exact. "
                "All filters combine."
            ),
            params=[
                Param("q", "query", text, "Words in the text or the author's name."),
                Param("email", "query", text, "The sender's email (any case)."),
                Param("ip", "query", text, "An IP address or a network (CIDR)."),
                Param("article", "query", text, "The article's key."),
                Param(
                    "status",
                    "query",
                    {"type": "string", "enum": list(STATUSES)},
                    "`spam` and `removed` are the two kinds of `rejected`.",
                ),
                Param("since", "query", when, "Written at or after (with a time zone)."),
                Param("until", "query", when, "Written before (with a time zone)."),
                *_page_params(settings),
            ],
            replies={200: Reply("A page of matching comments.", SearchPage)},
            problems=(400, *AUTH, 422, *DB),
        ),
        Operation(
            "get",
            "/v1/commenters/{email}",
            "show_commenter",
            "A commenter's record",
            "moderator",
            moderator,
            description="Counts by state, first and last seen, and badges, by email address.",
            params=[
                Param(
                    "email",
                    "path",
                    {"type": "string", "minLength": 3, "maxLength": 254},
                    "The sender's email (any case).",
                )
            ],
            replies={200: Reply("The record.", Commenter)},
            problems=(*AUTH, 404, 422, *DB),
        ),
        Operation(
            "post",
            "/v1/comments/{id}/notes",
            "add_note",
            "Leave a note for other moderators",
            "moderator",
            moderator,
            params=[id_param("comment")],
            body=json_body(NoteIn),
            replies={201: Reply("The note.", Note)},
            problems=(*AUTH, 404, *BODY_PROBLEMS, *DB),
        ),
        Operation(
            "get",
            "/v1/comments/{id}/notes",
            "list_notes",
            "A comment's notes",
            "moderator",
            moderator,
            params=[id_param("comment")],
            replies={200: Reply("The notes, oldest first.", NotePage)},
            problems=(*AUTH, 404, *DB),
        ),
        Operation(
            "get",
            "/v1/admin/rules",
            "get_rules",
            "The site rules in effect",
            "admin",
            Role.ADMIN,
            description="Blocked senders, word lists and max links, with the latest changes.",
            replies={200: Reply("The rules.", Rules)},
            problems=(*AUTH, *DB),
        ),
        Operation(
            "put",
            "/v1/admin/rules",
            "put_rules",
            "Change the site rules",
            "admin",
            Role.ADMIN,
            description=(
                "The lists the body names replace the stored ones; the others stay. In effect "
                "on every instance within a second, and kept in the history."
            ),
            body=json_body(RulesIn),
            replies={200: Reply("The rules now.", Rules)},
            problems=(*AUTH, *BODY_PROBLEMS, *DB),
        ),
    ]
