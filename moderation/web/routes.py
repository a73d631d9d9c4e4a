"""Every path of the browser pages, in one table (static files: web/__init__.setup).

- /desk... : the moderators' desk, behind a session cookie (desk_auth, desk_queue,
  desk_review), and the admins' Models page (desk_models);
- /embed/{article}, /demo: an article's comments and form, for an iframe (embed);
- /readers/...: a reader's own comments, from the links of their mail (readers).
"""

from __future__ import annotations

from aiohttp import web

from moderation.http.requests import ID_SEGMENT
from moderation.web import (
    desk_articles,
    desk_auth,
    desk_find,
    desk_models,
    desk_queue,
    desk_review,
    desk_rules,
    embed,
    embed_report,
    readers,
)

ROUTES: list[web.RouteDef] = [
    # desk_auth.py
    web.get("/desk/login", desk_auth.login_form),
    web.post("/desk/login", desk_auth.login),
    web.post("/desk/logout", desk_auth.logout),
    web.post("/desk/site", desk_auth.switch_site),
    # desk_queue.py
    web.get("/desk", desk_queue.queue_page),
    web.post("/desk/decide", desk_queue.desk_decide),
    web.post("/desk/undo", desk_queue.desk_undo),
    # desk_review.py
    web.get("/desk/decisions", desk_review.recent_page),
    web.get("/desk/comments/{id}", desk_review.comment_page),
    # desk_find.py
    web.get("/desk/search", desk_find.search_page),
    web.get("/desk/audits", desk_find.audits_page),
    web.post("/desk/notes", desk_find.note_form),
    web.post("/desk/block", desk_find.block_form),
    # desk_rules.py
    web.get("/desk/rules", desk_rules.rules_page),
    web.post("/desk/rules", desk_rules.rules_form),
    # desk_models.py
    web.get("/desk/models", desk_models.models_page),
    web.get(f"/desk/models/jobs/{ID_SEGMENT}.json", desk_models.job_json),
    web.post("/desk/models/train", desk_models.train_form),
    web.post("/desk/models/activate", desk_models.activate_form),
    web.post("/desk/models/rollback", desk_models.rollback_form),
    # desk_articles.py
    web.get("/desk/articles", desk_articles.articles_page),
    web.post("/desk/articles", desk_articles.articles_form),
    # embed.py
    web.get("/embed/{article}", embed.embed_page),
    web.post("/embed/{article}", embed.embed_post),
    web.get("/embed/{site}/{article}", embed.embed_page),
    web.post("/embed/{site}/{article}", embed.embed_post),
    web.get("/demo", embed.demo),
    # embed_report.py
    web.get("/embed/{article}/report/{id}", embed_report.report_page),
    web.post("/embed/{article}/report/{id}", embed_report.report_post),
    web.get("/embed/{site}/{article}/report/{id}", embed_report.report_page),
    web.post("/embed/{site}/{article}/report/{id}", embed_report.report_post),
    # readers.py: a reader's own comments, from the links of their mail
    web.get("/readers/confirm", readers.confirm_page),
    web.post("/readers/confirm", readers.confirm_post),
    web.get("/readers/comments", readers.comments_page),
    web.post("/readers/comments/{id}/delete", readers.delete_post),
    web.post("/readers/comments/{id}/appeal", readers.appeal_post),
]
