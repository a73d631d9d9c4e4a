"""Every path of the JSON API, the Akismet API and the operations endpoints, in one table.

Handlers are thin: parse the request (http/), call a service (intake/, review/,
registry/, ops/), shape the answer. The pages' paths are in web/routes.py;
app.create_app adds both tables.
"""

from __future__ import annotations

from aiohttp import web

from moderation import openapi
from moderation.api import (
    admin,
    akismet,
    articles,
    checks,
    desk,
    flags,
    health,
    moderator,
    privacy,
    public,
    readers,
    registry,
    sites,
)
from moderation.http.requests import ID_SEGMENT
from moderation.ops.observability import metrics_handler

ROUTES: list[web.RouteDef] = [
    # health.py
    web.get("/healthz", health.healthz),
    web.get("/readyz", health.readyz),
    # public.py
    web.post("/v1/comments", public.submit_comment),
    web.get("/v1/articles/{article}/comments", public.list_comments),
    # flags.py
    web.post("/v1/comments/{id}/flags", flags.post_flag),
    # readers.py: a reader's own comments, by the signed link of their mail
    web.post("/v1/readers/confirm", readers.confirm),
    web.get("/v1/readers/comments", readers.own_comments),
    web.delete("/v1/readers/comments/{id}", readers.delete_own),
    web.post("/v1/readers/comments/{id}/appeal", readers.appeal),
    # moderator.py
    web.get("/v1/queue", moderator.list_queue),
    web.get("/v1/audits", moderator.list_audits),
    web.post("/v1/queue/claim", moderator.claim),
    web.post("/v1/queue/release", moderator.release),
    web.post("/v1/comments/{id}/decision", moderator.post_decision),
    web.post("/v1/decisions", moderator.decide_many),
    web.post("/v1/comments/{id}/undo", moderator.post_undo),
    web.get("/v1/comments/{id}", moderator.show),
    web.get("/v1/comments/{id}/history", moderator.history),
    # desk.py
    web.get("/v1/comments", desk.search_comments),
    web.get("/v1/commenters/{email}", desk.commenter),
    web.post("/v1/comments/{id}/notes", desk.add_note),
    web.get("/v1/comments/{id}/notes", desk.list_notes),
    web.get("/v1/admin/rules", desk.get_rules),
    web.put("/v1/admin/rules", desk.put_rules),
    # admin.py
    web.post("/v1/admin/tokens", admin.new_token),
    web.get("/v1/admin/tokens", admin.list_tokens),
    web.delete(f"/v1/admin/tokens/{ID_SEGMENT}", admin.revoke_token),
    web.get("/v1/stats", admin.stats),
    # sites.py
    web.get("/v1/admin/sites", sites.list_sites),
    web.post("/v1/admin/sites", sites.create_site),
    # registry.py
    web.get("/v1/admin/models", registry.list_models),
    web.post("/v1/admin/models/rollback", registry.rollback_model),
    web.get("/v1/admin/models/{version}", registry.show_model),
    web.post("/v1/admin/models/{version}/activate", registry.activate_model),
    web.post("/v1/admin/training", registry.start_training),
    web.get("/v1/admin/training", registry.list_training),
    web.get(f"/v1/admin/training/{ID_SEGMENT}", registry.show_training),
    web.post("/v1/admin/labels", registry.import_labels),
    web.get("/v1/admin/simulate", registry.simulate),
    # articles.py
    web.get("/v1/admin/articles/{article}", articles.show_article),
    web.put("/v1/admin/articles/{article}", articles.put_article),
    # akismet.py
    web.post("/1.1/verify-key", akismet.verify_key),
    web.post("/1.1/comment-check", akismet.comment_check),
    web.post("/1.1/submit-spam", akismet.submit_spam),
    web.post("/1.1/submit-ham", akismet.submit_ham),
    web.post("/1.1/submit-removed", akismet.submit_removed),  # the WordPress bridge's own
    *[
        route(path, handler)
        for route in (web.get, web.post)
        for path, handler in (
            ("/1.1/test", akismet.test),
            ("/1.1/get-stats", akismet.get_stats),
            ("/1.1/get-subscription", akismet.get_subscription),
            ("/1.1/verify-wpcom-key", akismet.verify_wpcom_key),
            ("/1.2/usage-limit", akismet.usage_limit),
            ("/1.2/key-sites", akismet.key_sites),
            ("/1.2/activity", akismet.key_sites),
        )
    ],
    # After every Akismet method: the rest of /1.1/ and /1.2/ answers in plain text.
    web.route("*", "/1.1/{method:.*}", akismet.unknown_method),
    web.route("*", "/1.2/{method:.*}", akismet.unknown_method),
    # checks.py: Akismet comment-checks held for review
    web.get("/v1/checks", checks.list_checks),
    web.get("/v1/checks/{id}", checks.show),
    web.get("/v1/checks/{id}/history", checks.history),
    web.post("/v1/checks/{id}/decision", checks.post_decision),
    # privacy.py
    web.get("/v1/admin/commenters/{email}/export", privacy.export),
    web.delete("/v1/admin/commenters/{email}", privacy.erase),
    # operations
    web.get("/metrics", metrics_handler),
    web.get("/openapi.json", openapi.handler),
]
