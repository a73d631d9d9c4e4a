"""Every path of the browser pages, in one table (static files: web/__init__.setup).

- /desk... : the moderators' desk, behind a session cookie (desk_auth, desk_queue,
  desk_review), and the admins' Models page (desk_models);
- /embed/{article}, /demo: an article's comments and form, for an iframe (embed).
"""

from __future__ import annotations

from aiohttp import web

from moderation.web import (
    desk_auth,
    desk_find,
    desk_models,
    desk_queue,
    desk_review,
    embed,
    embed_report,
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
    # desk_review.py
    web.get("/desk/decisions", desk_review.recent_page),
    web.get("/desk/comments/{id}", desk_review.comment_page),
    # desk_find.py
    web.get("/desk/search", desk_find.search_page),
    web.get("/desk/audits", desk_find.audits_page),
    web.post("/desk/notes", desk_find.note_form),
    web.post("/desk/block", desk_find.block_form),
    # desk_models.py
    web.get("/desk/models", desk_models.models_page),
    web.get("/desk/models/jobs/{id:\\d{1,18}}.json", desk_models.job_json),
    web.post("/desk/models/train", desk_models.train_form),
    web.post("/desk/models/activate", desk_models.activate_form),
    web.post("/desk/models/rollback", desk_models.rollback_form),
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
]
