"""Several sites (issue 13): two sites are isolated on every endpoint, and a site's model
activation changes nothing for the other.

The isolation test is table-driven over /openapi.json: every operation a moderator or
an admin may call is tried with an admin token of site `beta` against site `alpha`'s
data (its comment, check, article, model, job, token, commenter). Each answer must be
a 404 or carry nothing of alpha's, and alpha's data must be as it was afterwards. An
operation added to the document and not to the table fails the test.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import pytest

from moderation.keys import MODEL
from moderation.ops import sites
from moderation.ops.access import create_token
from moderation.store import migrations
from moderation.store.db import init_connection
from tests.conftest import insert_comment
from tests.integration.test_pages import desk
from tests.polling import eventually

MARK = "ALPHA-SECRET"  # in every row alpha owns; never in an answer to beta
EMAIL = "alpha-reader@example.org"
VERSION = "alpha-model-v1"

# operation id -> (expected: "404" or "clean", path values, body). "clean": a 2xx (or the
# status given) whose body holds nothing of alpha's.
NOT_FOUND, CLEAN = "404", "clean"
DECISION = {"action": "approve"}
TABLE: dict[str, tuple[str, dict[str, str], Any]] = {
    "list_queue": (CLEAN, {}, None),
    "list_audits": (CLEAN, {}, None),
    "claim": (CLEAN, {}, {"limit": 10}),
    "release": (CLEAN, {}, {"ids": ["comment"]}),
    "decide": (NOT_FOUND, {"id": "comment"}, DECISION),
    "decide_many": (CLEAN, {}, {"items": [{"id": "comment", "action": "approve"}]}),
    "undo_decision": (NOT_FOUND, {"id": "comment"}, {"decision_id": 1}),
    "show_comment": (NOT_FOUND, {"id": "comment"}, None),
    "comment_history": (NOT_FOUND, {"id": "comment"}, None),
    "search_comments": (CLEAN, {}, None),
    "show_commenter": (NOT_FOUND, {"email": EMAIL}, None),
    "add_note": (NOT_FOUND, {"id": "comment"}, {"note": "beta was here"}),
    "list_notes": (NOT_FOUND, {"id": "comment"}, None),
    "get_rules": (CLEAN, {}, None),
    "put_rules": (CLEAN, {}, {"disallowed_words": ["beta-word"]}),
    "create_token": (CLEAN, {}, {"name": "beta-made", "role": "moderator"}),
    "list_tokens": (CLEAN, {}, None),
    "revoke_token": (NOT_FOUND, {"id": "token"}, None),
    "list_sites": (CLEAN, {}, None),
    "create_site": ("403", {}, {"id": "gamma", "name": "Gamma"}),
    "stats": (CLEAN, {}, None),
    "list_models": (CLEAN, {}, None),
    "rollback_model": ("409", {}, None),
    "show_model": (NOT_FOUND, {"version": VERSION}, None),
    "activate_model": (NOT_FOUND, {"version": VERSION}, None),
    "list_training": (CLEAN, {}, None),
    "show_training": (NOT_FOUND, {"id": "job"}, None),
    "import_labels": ("201", {}, "text/csv"),
    "simulate": (CLEAN, {}, None),
    "show_article": (NOT_FOUND, {"article": "alpha-story"}, None),
    "put_article": (CLEAN, {"article": "alpha-story"}, {"state": "closed"}),
    "list_checks": (CLEAN, {}, None),
    "show_check": (NOT_FOUND, {"id": "check"}, None),
    "check_history": (NOT_FOUND, {"id": "check"}, None),
    "decide_check": (NOT_FOUND, {"id": "check"}, DECISION),
    "export_commenter": (CLEAN, {"email": EMAIL}, None),
    "erase_commenter": (CLEAN, {"email": EMAIL}, None),
}
# Starting a job spawns a training process: beta's jobs are those list/show cover.
NOT_SWEPT = {"start_training"}


async def _alpha(db: asyncpg.Connection) -> dict[str, Any]:
    """Sites alpha and beta; alpha's comment, note, audit, label, check, article, rules,
    model, job and token."""
    await sites.create(db, "alpha", "Alpha", ["https://alpha.example"])
    await sites.create(db, "beta", "Beta", ["https://beta.example"])
    comment = await insert_comment(
        db, site="alpha", article="alpha-story", author_email=EMAIL, body=f"{MARK} comment"
    )
    await db.execute(
        "INSERT INTO comment_history (site, comment_id, actor, to_status, note) "
        "VALUES ('alpha', $1, 'auto', 'pending', $2)",
        comment,
        MARK,
    )
    await db.execute(
        "INSERT INTO comment_notes (site, comment_id, author, note) VALUES ('alpha', $1, 'a', $2)",
        comment,
        MARK,
    )
    await db.execute(
        "INSERT INTO audits (site, comment_id, auto_status, outcome) "
        "VALUES ('alpha', $1, 'approved', 'confident_ham')",
        comment,
    )
    await db.execute(
        "INSERT INTO labels (site, label, source, given_by, body, content_hash) "
        "VALUES ('alpha', 'spam', 'import:alpha', 'a', $1, 'alpha-hash')",
        MARK,
    )
    check = await db.fetchval(
        "INSERT INTO checks (site, guid, key_name, author_email, body, status, spam_score) "
        "VALUES ('alpha', $1, 'alpha-key', $2, $3, 'pending', 0.5) RETURNING id",
        uuid.uuid4(),
        EMAIL,
        MARK,
    )
    await db.execute(
        "INSERT INTO articles (site, article, title, state) "
        "VALUES ('alpha', 'alpha-story', $1, 'premoderated')",
        MARK,
    )
    await db.execute(
        "INSERT INTO site_rules (site, version, rules, changed_by) VALUES ('alpha', 1, $1, 'a')",
        {"disallowed_words": [MARK.lower()]},
    )
    await db.execute(
        "INSERT INTO models (site, version, state, artifact, metadata, created_by) "
        "VALUES ('alpha', $1, 'candidate', '\\x00'::bytea, '{}', $2)",
        VERSION,
        MARK,
    )
    job = await db.fetchval(
        "INSERT INTO training_jobs (site, state, created_by, finished_at) "
        "VALUES ('alpha', 'succeeded', $1, now()) RETURNING id",
        MARK,
    )
    _, token = await create_token(db, f"{MARK}-mod", "moderator", "alpha")
    return {"comment": comment, "check": check, "job": job, "token": token["id"]}


async def _snapshot(db: asyncpg.Connection) -> list[Any]:
    """Everything of alpha's that a request from beta could have changed."""
    return [
        await db.fetch(
            "SELECT id, status, claimed_by, author_email, body FROM comments WHERE site = 'alpha'"
        ),
        await db.fetch("SELECT note FROM comment_notes WHERE site = 'alpha'"),
        await db.fetch("SELECT verdict FROM audits WHERE site = 'alpha'"),
        await db.fetchval("SELECT count(*) FROM labels WHERE site = 'alpha'"),
        await db.fetch("SELECT status, author_email FROM checks WHERE site = 'alpha'"),
        await db.fetch("SELECT state FROM articles WHERE site = 'alpha'"),
        await db.fetch("SELECT version, rules FROM site_rules WHERE site = 'alpha'"),
        await db.fetch("SELECT version, state FROM models WHERE site = 'alpha'"),
        await db.fetch("SELECT revoked_at FROM tokens WHERE site = 'alpha'"),
    ]


def _path(path: str, values: dict[str, str], ids: dict[str, Any]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(ids.get(value, value)))
    return path


def _body(body: Any, ids: dict[str, Any]) -> Any:
    if isinstance(body, dict):
        return {k: _body(v, ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_body(v, ids) for v in body]
    return ids.get(body, body) if isinstance(body, str) else body


async def test_a_token_of_one_site_finds_nothing_of_another_on_any_endpoint(
    client: Any, db: asyncpg.Connection
) -> None:
    ids = await _alpha(db)
    secret, _ = await create_token(db, "beta-admin", "admin", "beta")
    beta = {"Authorization": f"Bearer {secret}"}
    doc = await (await client.get("/openapi.json")).json()
    operations = [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if op.get("x-role") in ("moderator", "admin")
    ]
    swept = {op["operationId"] for _, _, op in operations} - NOT_SWEPT
    assert swept == set(TABLE), "every moderator and admin operation is in the table"
    before = await _snapshot(db)
    answers: dict[str, tuple[int, str]] = {}
    for method, path, op in operations:
        if op["operationId"] in NOT_SWEPT:
            continue
        expected, values, body = TABLE[op["operationId"]]
        url = _path(path, values, ids)
        if body == "text/csv":
            headers = {**beta, "Content-Type": "text/csv"}
            response = await client.request(
                method, url, data="body,label\nbeta words,ham\n", headers=headers
            )
        else:
            response = await client.request(method, url, json=_body(body, ids), headers=beta)
        text = await response.text()
        answers[op["operationId"]] = (response.status, text)
        if expected == NOT_FOUND:
            assert response.status == 404, (op["operationId"], response.status, text)
        elif expected == CLEAN:
            assert response.status < 300, (op["operationId"], response.status, text)
        else:
            assert response.status == int(expected), (op["operationId"], response.status, text)
        # What the request itself named (an email, an article key) may be echoed.
        asked = {v for v in values.values() if v not in ids}
        for secret_bit in {MARK, MARK.lower(), EMAIL, VERSION, "alpha-story", "alpha-key"}:
            if secret_bit not in asked:
                assert secret_bit not in text, (op["operationId"], secret_bit, text)
    assert await _snapshot(db) == before
    # The same token naming alpha is told there is no such site, everywhere.
    for method, path, op in operations:
        if op["operationId"] in NOT_SWEPT or "site" not in {
            p["name"] for p in op.get("parameters", [])
        }:
            continue
        _, values, body = TABLE[op["operationId"]]
        url = _path(path, values, ids)
        response = await client.request(
            method, url, params={"site": "alpha"}, json=_body(body, ids), headers=beta
        )
        assert response.status == 404, (op["operationId"], response.status)
    assert await _snapshot(db) == before


async def test_the_public_side_finds_a_sites_comments_only_under_its_site(
    client: Any, db: asyncpg.Connection, payload: Any
) -> None:
    await sites.create(db, "alpha", "Alpha", ["https://alpha.example"])
    made = await client.post("/v1/comments", json=payload(site="alpha", article="shared"))
    assert made.status in (201, 202)
    comment_id = (await made.json())["id"]
    assert await db.fetchval("SELECT site FROM comments WHERE id = $1", comment_id) == "alpha"
    if made.status == 201:
        page = await (await client.get("/v1/articles/shared/comments?site=alpha")).json()
        assert [c["id"] for c in page["items"]] == [comment_id]
    default = await (await client.get("/v1/articles/shared/comments")).json()
    assert default["items"] == [] and default["total"] == 0
    unknown = await client.post("/v1/comments", json=payload(site="nowhere"))
    assert unknown.status == 422
    assert (await unknown.json())["errors"][0]["field"] == "site"
    assert (await client.get("/v1/articles/shared/comments?site=nowhere")).status == 404
    # alpha's origin may frame alpha's embed page; the default site's page keeps its own.
    embed = await client.get("/embed/alpha/shared")
    assert embed.status == 200
    assert "https://alpha.example" in embed.headers["Content-Security-Policy"]
    plain = await client.get("/embed/shared")
    assert "https://alpha.example" not in plain.headers["Content-Security-Policy"]
    assert (await client.get("/embed/nowhere/shared")).status == 404


async def test_a_sites_model_activation_changes_nothing_for_the_other(
    client: Any, db: asyncpg.Connection
) -> None:
    await sites.create(db, "alpha", "Alpha", [])
    await sites.create(db, "beta", "Beta", [])
    installation = await db.fetchrow(
        "SELECT version, artifact, metadata FROM models WHERE site = 'default' AND state = 'active'"
    )
    await db.execute(
        "INSERT INTO models (site, version, state, artifact, metadata) "
        "VALUES ('alpha', $1, 'candidate', $2, $3)",
        VERSION,
        installation["artifact"],
        installation["metadata"],
    )
    spam = "FREE MONEY!!! Click http://win.example/prize now, casino bonus, viagra, loans"
    held = {
        site: await insert_comment(db, site=site, body=spam, spam_score=0.5)
        for site in ("alpha", "beta")
    }
    live = client.server.app[MODEL]
    beta_model = live.for_site("beta")
    secret, _ = await create_token(db, "alpha-admin", "admin", "alpha")
    alpha = {"Authorization": f"Bearer {secret}"}
    activated = await client.post(f"/v1/admin/models/{VERSION}/activate", headers=alpha)
    assert activated.status == 200, await activated.text()
    assert (await activated.json())["state"] == "active"
    # alpha's queue is re-scored with its new model (in the background)...
    for _ in range(300):
        if await db.fetchval("SELECT status FROM comments WHERE id = $1", held["alpha"]) != (
            "pending"
        ):
            break
        await asyncio.sleep(0.1)
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", held["alpha"]) == (
        "rejected"
    )
    # ...and beta is as it was: its queue, its model, the installation's model.
    assert await db.fetchval("SELECT status FROM comments WHERE id = $1", held["beta"]) == (
        "pending"
    )
    assert (
        await db.fetchval(
            "SELECT count(*) FROM comment_history WHERE comment_id = $1", held["beta"]
        )
        == 0
    )
    assert live.for_site("beta") is beta_model is live.model
    # The figures say whose decisions and queues they are.
    metrics = await (await client.get("/metrics")).text()
    assert 'moderation_decisions_total{by="auto",outcome="spam",site="alpha"} 1.0' in metrics
    assert 'moderation_queue_depth{site="beta"} 1.0' in metrics
    assert 'moderation_queue_depth{site="alpha"} 0.0' in metrics
    assert live.has_own("alpha") and not live.has_own("beta")
    assert (
        await db.fetchval("SELECT version FROM models WHERE site = 'default' AND state = 'active'")
        == installation["version"]
    )
    secret, _ = await create_token(db, "beta-admin", "admin", "beta")
    beta = {"Authorization": f"Bearer {secret}"}
    listed = await (await client.get("/v1/admin/models", headers=beta)).json()
    assert listed["items"] == []
    rollback = await client.post("/v1/admin/models/rollback", headers=beta)
    assert rollback.status == 409


@pytest.mark.parametrize("bad", ["Upper", "-lead", "a" * 33, "sp ace", ""])
async def test_a_site_id_is_short_lowercase_and_plain(
    client: Any, db: asyncpg.Connection, bad: str
) -> None:
    secret, _ = await create_token(db, "root", "admin")
    admin = {"Authorization": f"Bearer {secret}"}
    response = await client.post("/v1/admin/sites", json={"id": bad, "name": "X"}, headers=admin)
    assert response.status == 422


async def test_an_admin_of_every_site_makes_sites_and_tokens_for_them(
    client: Any, db: asyncpg.Connection
) -> None:
    secret, _ = await create_token(db, "root", "admin")
    admin = {"Authorization": f"Bearer {secret}"}
    made = await client.post(
        "/v1/admin/sites",
        json={"id": "gamma", "name": "Gamma", "origins": ["https://Gamma.example/"]},
        headers=admin,
    )
    assert made.status == 201
    assert (await made.json())["origins"] == ["https://gamma.example"]
    again = await client.post("/v1/admin/sites", json={"id": "gamma", "name": "G"}, headers=admin)
    assert again.status == 409
    bad = await client.post(
        "/v1/admin/sites",
        json={"id": "delta", "name": "D", "origins": ["javascript:alert(1)"]},
        headers=admin,
    )
    assert bad.status == 422
    listed = await (await client.get("/v1/admin/sites", headers=admin)).json()
    assert [s["id"] for s in listed["items"]] == ["default", "gamma"]
    token = await client.post(
        "/v1/admin/tokens",
        json={"name": "gm", "role": "moderator", "site": "gamma"},
        headers=admin,
    )
    assert token.status == 201 and (await token.json())["site"] == "gamma"
    nowhere = await client.post(
        "/v1/admin/tokens",
        json={"name": "nm", "role": "moderator", "site": "nowhere"},
        headers=admin,
    )
    assert nowhere.status == 404


async def test_the_desk_shows_one_site_and_a_token_of_every_site_switches(
    client: Any, db: asyncpg.Connection, make_token: Any
) -> None:
    await sites.create(db, "alpha", "Alpha", [])
    await insert_comment(db, body="default's own comment")
    await insert_comment(db, site="alpha", body=f"{MARK} waiting")
    csrf = await desk(client, make_token, name="root")  # a moderator of every site
    page = await (await client.get("/desk")).text()
    assert "default&#39;s own comment" in page and MARK not in page
    assert 'id="site-switch"' in page
    switched = await client.post(
        "/desk/site", data={"csrf": csrf, "site": "alpha", "back": "/desk"}, allow_redirects=False
    )
    assert switched.status == 303
    page = await (await client.get("/desk")).text()
    assert MARK in page and "default&#39;s own comment" not in page
    nowhere = await client.post("/desk/site", data={"csrf": csrf, "site": "nowhere"})
    assert nowhere.status == 404


async def test_a_site_sets_its_own_values_over_the_installations(
    make_app_client: Any, make_settings: Any, db: asyncpg.Connection
) -> None:
    client = await make_app_client(make_settings(trusted_proxies=["127.0.0.0/8"]))
    secret, _ = await create_token(db, "root", "admin")
    admin = {"Authorization": f"Bearer {secret}"}
    for settings, field in (
        ({"database_url": "postgresql://elsewhere/db"}, "settings.database_url"),
        ({"flag_threshold": 0}, "settings.flag_threshold"),
        ({"spam_answer": "rejected"}, "settings.spam_answer"),
    ):
        bad = await client.post(
            "/v1/admin/sites", json={"id": "eps", "name": "E", "settings": settings}, headers=admin
        )
        assert bad.status == 422, settings
        assert [e["field"] for e in (await bad.json())["errors"]] == [field]
    made = await client.post(
        "/v1/admin/sites",
        json={"id": "eps", "name": "E", "settings": {"flag_threshold": 1, "page_size_default": 1}},
        headers=admin,
    )
    assert made.status == 201
    assert (await made.json())["settings"] == {"flag_threshold": 1, "page_size_default": 1}

    # One reader's flag is enough on eps; the default site keeps the installation's 3.
    ours = await insert_comment(db, site="eps", article="e-story", status="approved")
    theirs = await insert_comment(db, article="d-story", status="approved")
    for cid, site in ((ours, "eps"), (theirs, "default")):
        flagged = await client.post(
            f"/v1/comments/{cid}/flags",
            json={"reason": "spam", "site": site},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert flagged.status == 201
    statuses = await db.fetch("SELECT id, status FROM comments ORDER BY id")
    assert [(r["id"], r["status"]) for r in statuses] == [(ours, "pending"), (theirs, "approved")]

    # A page of eps holds one comment by default; the default site's, the installation's 50.
    await insert_comment(db, site="eps", article="e-story", status="approved")
    await insert_comment(db, site="eps", article="e-story", status="approved")
    page = await (await client.get("/v1/articles/e-story/comments?site=eps")).json()
    assert len(page["items"]) == 1 and page["next_cursor"]


async def test_the_command_line_makes_a_site_with_its_own_values_and_refuses_bad_ones(
    db: asyncpg.Connection, database_url: str, data_dir: Any, monkeypatch: Any, capsys: Any
) -> None:
    from moderation.__main__ import main

    monkeypatch.setenv("MODERATION_DATABASE_URL", database_url)
    monkeypatch.setenv("MODERATION_DATA_DIR", str(data_dir))
    argv = ["sites", "create", "--name", "Zeta News", "--origin", "https://zeta.example"]
    assert await asyncio.to_thread(main, [*argv, "--set", "smtp_host=mail.example"]) == 2
    assert "settings.smtp_host" in capsys.readouterr().err
    assert await asyncio.to_thread(main, [*argv, "--set", "flag_threshold=many"]) == 2
    assert "settings.flag_threshold" in capsys.readouterr().err
    made = [*argv, "--set", "flag_threshold=5", "--set", "flagged_shown=yes"]
    assert await asyncio.to_thread(main, made) == 0
    assert "created site zeta-news" in capsys.readouterr().out
    row = await db.fetchrow("SELECT origins, settings FROM sites WHERE id = 'zeta-news'")
    assert row["origins"] == ["https://zeta.example"]
    assert row["settings"] == {"flag_threshold": 5, "flagged_shown": True}


async def test_the_installations_new_model_rescores_the_sites_it_decides_and_no_other(
    fresh_database: Any, make_settings: Any, make_app_client: Any
) -> None:
    """A site without a model of its own is decided by the installation's: its queue is
    re-scored when that model changes, like the installation's own; a site with its own
    model keeps its queue as it was. (The registry changes: a database of its own.)"""
    url = str(fresh_database("sites_rescore"))
    db = await asyncpg.connect(url)
    try:
        await migrations.migrate(db)
        await init_connection(db)
        client = await make_app_client(make_settings(database_url=url))
        await sites.create(db, "alpha", "Alpha", [])
        await sites.create(db, "beta", "Beta", [])
        installation = await db.fetchrow(
            "SELECT artifact, metadata FROM models WHERE site = 'default' AND state = 'active'"
        )
        for site, version in (("alpha", VERSION), ("default", "installation-v2")):
            await db.execute(
                "INSERT INTO models (site, version, state, artifact, metadata) "
                "VALUES ($1, $2, 'candidate', $3, $4)",
                site,
                version,
                installation["artifact"],
                installation["metadata"],
            )
        alpha = {"Authorization": f"Bearer {(await create_token(db, 'a', 'admin', 'alpha'))[0]}"}
        admin = {"Authorization": f"Bearer {(await create_token(db, 'i', 'admin'))[0]}"}
        made = await client.post(f"/v1/admin/models/{VERSION}/activate", headers=alpha)
        assert made.status == 200, await made.text()
        spam = "FREE MONEY!!! Click http://win.example/prize now, casino bonus, viagra, loans"
        held = {
            site: await insert_comment(db, site=site, body=spam, spam_score=0.5)
            for site in ("default", "alpha", "beta")
        }
        made = await client.post("/v1/admin/models/installation-v2/activate", headers=admin)
        assert made.status == 200, await made.text()

        async def status(site: str) -> str:
            return str(await db.fetchval("SELECT status FROM comments WHERE id = $1", held[site]))

        async def rescored() -> bool:
            return await status("default") != "pending" and await status("beta") != "pending"

        await eventually(rescored)
        assert (await status("default"), await status("beta")) == ("rejected", "rejected")
        assert await status("alpha") == "pending"
        assert not await db.fetchval(
            "SELECT count(*) FROM comment_history WHERE comment_id = $1", held["alpha"]
        )
    finally:
        await db.close()
