"""The desk's Models page (admins): versions, activation, rollback, training jobs, what-if.

Tests that change the registry use a database of their own (as test_retraining.py does),
so the rest of the suite keeps being served the seed model.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from yarl import URL

from moderation.classifier import persist
from moderation.classifier.persist import TrainedModel
from moderation.ops.access import create_token
from moderation.store import migrations
from moderation.store import models as model_store
from moderation.store.db import init_connection
from moderation.web import models_view
from tests.integration.test_pages import csp, csrf_in, desk, secret_of, sign_in

# A liveness bound, not a performance claim (a job takes ~5-30 s): fail rather than hang.
JOB_DEADLINE_S = 240
HOSTILE = '<script>alert("x")</script>'


def labels_jsonl(n: int = 30) -> str:
    spam = [
        f"Cheap followers and backlinks {i}: buy at growth-hub-{i}.top today, best price!!!"
        for i in range(n)
    ]
    ham = [
        f"Patch note {i}: the advisory says version 2.{i} fixes the auth bypass; we rolled it out."
        for i in range(n)
    ]
    lines = [
        {"name": "Spam Bot", "email": f"bot{i}@growth.top", "body": b, "label": "spam"}
        for i, b in enumerate(spam)
    ]
    lines += [
        {"name": f"Reader {i}", "email": f"r{i}@example.org", "body": b, "label": "ham"}
        for i, b in enumerate(ham)
    ]
    return "\n".join(json.dumps(x) for x in lines)


async def import_labels(client: Any, admin: dict[str, str]) -> None:
    resp = await client.post(
        "/v1/admin/labels?source=old-site",
        data=labels_jsonl(),
        headers={**admin, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status == 201, await resp.text()


async def flash_of(client: Any) -> list[str]:
    page = await (await client.get("/desk/models")).text()
    return re.findall(r'<li class="(?:ok|error)">([^<]*)</li>', page)


# --- a registry of its own -----------------------------------------------------------


class Own:
    """An app on a database of its own, with an admin signed in to the desk."""

    def __init__(self, url: str, client: Any, conn: asyncpg.Connection) -> None:
        self.url = url
        self.client = client
        self.conn = conn
        self.csrf = ""
        self.admin: dict[str, str] = {}

    async def states(self) -> dict[str, str]:
        rows = await self.conn.fetch("SELECT version, state FROM models")
        return {r["version"]: r["state"] for r in rows}

    async def serving(self) -> str:
        return str((await (await self.client.get("/readyz")).json())["model_version"])

    async def post(self, path: str, **form: str) -> Any:
        resp = await self.client.post(path, data={"csrf": self.csrf, **form}, allow_redirects=False)
        await resp.read()
        return resp

    async def register_copy(self, version: str, created_by: str = "root") -> None:
        """Another version of the active model (a real, loadable artifact), as a candidate."""
        row = await model_store.active(self.conn, "default")
        model = await asyncio.to_thread(persist.loads, bytes(row["artifact"]))
        copy = TrainedModel(
            model.pipeline, model.thresholds, {**model.metadata, "version": version}
        )
        artifact = await asyncio.to_thread(persist.dumps, copy)
        await model_store.insert(
            self.conn,
            site="default",
            version=version,
            state="candidate",
            artifact=artifact,
            metadata=copy.metadata,
            created_by=created_by,
        )


@pytest.fixture
async def own(fresh_database: Any, make_settings: Any, make_app_client: Any) -> AsyncIterator[Own]:
    url = str(fresh_database("models_page"))
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        await migrations.migrate(conn)
        client = await make_app_client(make_settings(database_url=url))  # registers the seed
        o = Own(url, client, conn)
        secret, _ = await create_token(conn, "root", "admin")
        o.admin = {"Authorization": f"Bearer {secret}"}
        assert (await sign_in(client, secret)).status == 303
        o.csrf = csrf_in(await (await client.get("/desk/models")).text())
        yield o
    finally:
        await conn.close()


# --- who may, and how -----------------------------------------------------------------


async def test_only_admins_see_and_use_the_models_page(client, make_token, db):
    await desk(client, make_token, "moderator", "mia")
    queue = await (await client.get("/desk")).text()
    assert 'href="/desk/models"' not in queue
    csrf = csrf_in(queue)
    resp = await client.get("/desk/models")
    assert resp.status == 403
    assert "text/html" in resp.content_type and "Admins only" in await resp.text()
    for path in ("/desk/models/train", "/desk/models/activate", "/desk/models/rollback"):
        resp = await client.post(path, data={"csrf": csrf, "version": "x"}, allow_redirects=False)
        assert resp.status == 403, path
    resp = await client.get("/desk/models/jobs/1.json")
    assert resp.status == 403 and (await resp.json())["title"] == "Admins only"
    assert await db.fetchval("SELECT count(*) FROM training_jobs WHERE created_by = 'mia'") == 0

    client.session.cookie_jar.clear()
    await desk(client, make_token, "admin", "root")
    queue = await (await client.get("/desk")).text()
    assert 'href="/desk/models"' in queue
    page = await client.get("/desk/models")
    assert page.status == 200
    assert 'href="/desk/models" aria-current="page"' in await page.text()


async def test_signed_out_the_page_asks_to_sign_in_and_the_json_says_401(client, db):
    resp = await client.get("/desk/models", allow_redirects=False)
    assert resp.status == 303
    assert URL(resp.headers["Location"]).query["next"] == "/desk/models"
    resp = await client.get("/desk/models/jobs/1.json")
    assert resp.status == 401 and resp.content_type == "application/json"
    resp = await client.post("/desk/models/train", data={}, allow_redirects=False)
    assert resp.status == 401


async def test_the_models_page_has_the_desk_headers_and_no_inline_code(client, make_token, db):
    await desk(client, make_token, "admin", "root")
    responses = [
        await client.get("/desk/models"),
        await client.get("/desk/models?sim=1&spam_pct=2&ham_pct=1"),
        await client.get("/desk/models/jobs/999999.json"),
    ]
    assert responses[2].status == 404 and (await responses[2].json())["title"] == "Not found"
    for resp in responses:
        policy = csp(resp)
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for resp in responses[:2]:
        page = await resp.text()
        assert re.search(r'<meta name="viewport" content="width=device-width', page)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page, re.I)
        assert re.search(r'<script src="/static/models\.js\?v=\w+" defer>', page)
    assert (await client.get("/static/models.js")).status == 200


@pytest.mark.parametrize("csrf", [None, "forged"])
async def test_model_forms_without_the_sessions_csrf_token_are_refused(
    client, make_token, db, csrf
):
    await desk(client, make_token, "admin", "root")
    before = await db.fetchval("SELECT count(*) FROM training_jobs")
    active = await db.fetchval("SELECT version FROM models WHERE state = 'active'")
    form = {"include_seed": "1", "version": active}
    if csrf is not None:
        form["csrf"] = csrf
    for path in ("/desk/models/train", "/desk/models/activate", "/desk/models/rollback"):
        resp = await client.post(path, data=form, allow_redirects=False)
        assert resp.status == 403, path
        assert "CSRF" in await resp.text()
    assert await db.fetchval("SELECT count(*) FROM training_jobs") == before


# --- versions, activation, rollback ---------------------------------------------------------


async def test_versions_show_their_figures_side_by_side_escaped(own):
    seed = await own.serving()
    await own.register_copy("copy-1", created_by=HOSTILE)
    page = await (await own.client.get("/desk/models")).text()
    rows = dict(re.findall(r'<tr class="(\w+)" data-version="([^"]+)">', page))
    assert rows == {"active": seed, "candidate": "copy-1"}
    seed_row = page.split(f'data-version="{seed}"')[1].split("</tr>")[0]
    figures = await own.conn.fetchval("SELECT metadata FROM models WHERE version = $1", seed)
    heldout = figures["evaluation"]["heldout"]
    assert f'data-label="MCC" class="num mcc">{heldout["mcc"]:.3f}<' in seed_row
    assert f'data-label="ROC AUC" class="num roc_auc">{heldout["roc_auc"]:.3f}<' in seed_row
    assert f">{models_view.percent(heldout['coverage'])}<" in seed_row
    assert f">{models_view.count_rate(heldout['ham_auto_rejected'])}<" in seed_row
    trained = figures["training_data"]
    assert (
        f"{trained['n']} <small" in seed_row
        and f"({trained['spam']} spam, {trained['ham']} ham)" in seed_row
    )
    assert 'class="badge active">active<' in seed_row
    assert "Activate" not in seed_row  # only candidates and retired versions
    copy_row = page.split('data-version="copy-1"')[1].split("</tr>")[0]
    assert 'name="version" value="copy-1"' in copy_row and ">Activate<" in copy_row
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in copy_row
    assert "Roll back to" not in page  # nothing was active before the seed


async def test_activating_and_rolling_back_from_the_page_change_the_registry(own):
    seed = await own.serving()
    await own.register_copy("copy-1")

    resp = await own.post("/desk/models/activate", version="copy-1")
    assert resp.status == 303 and resp.headers["Location"] == "/desk/models#versions"
    assert await own.states() == {seed: "retired", "copy-1": "active"}
    assert await own.serving() == "copy-1"
    by = await own.conn.fetchval(
        "SELECT activated_by FROM model_activations ORDER BY id DESC LIMIT 1"
    )
    assert by == "root"
    page = await (await own.client.get("/desk/models")).text()
    assert "Activated copy-1; pending comments are being re-scored with it." in page
    assert f"Roll back to <code>{seed}</code>" in page

    resp = await own.post("/desk/models/rollback")
    assert resp.status == 303
    assert await own.states() == {seed: "active", "copy-1": "retired"}
    assert await own.serving() == seed
    by = await own.conn.fetchval(
        "SELECT activated_by FROM model_activations ORDER BY id DESC LIMIT 1"
    )
    assert by == "root (rollback)"
    assert await flash_of(own.client) == [f"Rolled back: {seed} is active again."]


async def test_a_refused_artifact_is_not_activated_and_the_page_says_why(own):
    seed = await own.serving()
    await own.conn.execute(
        "INSERT INTO models (version, state, artifact) VALUES ('broken', 'candidate', $1)",
        b"PK\x03\x04 definitely not a skops file",
    )
    resp = await own.post("/desk/models/activate", version="broken")
    assert resp.status == 303
    [message] = await flash_of(own.client)
    assert message.startswith("broken was not activated: not a readable model file")
    assert await own.states() == {seed: "active", "broken": "candidate"}
    assert await own.serving() == seed

    resp = await own.post("/desk/models/activate", version="no-such-version")
    assert await flash_of(own.client) == [
        "no-such-version was not activated: There is no model with that version."
    ]


async def test_rolling_back_with_nothing_to_roll_back_to_says_so(own):
    seed = await own.serving()
    await own.post("/desk/models/rollback")
    assert await flash_of(own.client) == ["Not rolled back: No other model has been active."]
    assert await own.states() == {seed: "active"}


# --- the what-if simulator --------------------------------------------------------------


async def test_the_simulator_shows_the_apis_projection_with_a_chart(client, make_token, db):
    admin = await make_token("admin", "root")
    await import_labels(client, admin)
    resp = await sign_in(client, secret_of(admin))
    assert resp.status == 303
    api = await (
        await client.get(
            "/v1/admin/simulate?spam_in_approved=0.02&ham_in_rejected=0.01", headers=admin
        )
    ).json()
    resp = await client.get("/desk/models?sim=1&spam_pct=2&ham_pct=1")
    assert resp.status == 200
    page = await resp.text()
    assert f'<strong id="sim-low">{api["thresholds"]["low"]:.3f}</strong>' in page
    assert f'<strong id="sim-high">{api["thresholds"]["high"]:.3f}</strong>' in page
    assert f"<strong>{api['n']}</strong> site labels (30 spam, 30 ham)" in page
    for key in ("approved", "queued", "rejected"):
        assert f'id="share-{key}">{models_view.percent(api[key])}<' in page
    errors = api["expected_errors"]
    assert f">{errors['spam_approved']}<" in page
    assert f">{models_view.percent(errors['auto_error_rate'], 2)}<" in page
    # the chart: bars drawn with SVG attributes, as wide as their shares
    assert '<svg class="chart"' in page
    for key in ("approved", "queued", "rejected"):
        width = round(api[key] * models_view.BAR_SPACE, 1)
        assert re.search(rf'<rect class="bar {key} proposed" [^>]*width="{width}"', page), key

    # explicit thresholds override the targets, the model's own are the baseline
    page = await (await client.get("/desk/models?sim=1&low=0.2&high=0.9&spam_pct=")).text()
    assert '<strong id="sim-low">0.200</strong>' in page and "(given)" in page
    assert 'class="bar approved baseline"' in page


async def test_the_simulator_explains_bad_input_and_keeps_what_was_typed(client, make_token, db):
    await desk(client, make_token, "admin", "root")
    resp = await client.get(
        "/desk/models",
        params={
            "sim": "1",
            "spam_pct": "80",
            "ham_pct": '1"><b>x',
            "low": "0.9",
            "high": "0.1",
            "version": "nope",
        },
    )
    assert resp.status == 400
    page = await resp.text()
    assert "Spam among approved must be a number from 0 to 50." in page
    assert "Ham among rejected must be a number from 0 to 50." in page
    assert "The low threshold cannot be above the high one." in page
    assert "Choose a model version from the list." in page
    assert 'value="1&#34;&gt;&lt;b&gt;x"' in page and "<b>x" not in page
    assert 'id="whatif-result"' not in page
    page = await (await client.get("/desk/models?sim=1")).text()
    assert "none yet: no moderator or imported labels" in page  # no labels: nothing replayed


# --- training -------------------------------------------------------------------------------


async def test_a_job_started_from_the_page_shows_its_progress_and_its_candidate(own):
    seed = await own.serving()
    await import_labels(own.client, own.admin)
    resp = await own.post("/desk/models/train", include_seed="1")
    assert resp.status == 303
    location = resp.headers["Location"]
    job_id = int(URL(location).query["job"])
    assert location == f"/desk/models?job={job_id}#job"
    job = await own.conn.fetchrow(
        "SELECT params, created_by FROM training_jobs WHERE id = $1", job_id
    )
    assert job["params"] == {"include_seed": True} and job["created_by"] == "root"

    page = await (await own.client.get(location)).text()
    assert f"Training job {job_id} started (with the seed corpus)." in page
    panel = page.split('id="job"')[1].split("</div>\n")[0]
    assert f'data-url="/desk/models/jobs/{job_id}.json"' in page
    assert re.search(r'id="job-state">(queued|running)<', panel)
    # without JavaScript: the page reloads itself, and says how to by hand
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert f'<a id="job-refresh" href="/desk/models?job={job_id}#job">Refresh</a>' in page
    assert 'id="train-button" disabled' in page
    # a second job while this one runs is refused
    resp = await own.post("/desk/models/train", include_seed="1")
    assert await flash_of(own.client) == [f"Training job {job_id} is still running: wait for it."]
    assert await own.conn.fetchval("SELECT count(*) FROM training_jobs") == 1

    seen: list[tuple[str, int]] = []
    doc: dict[str, Any] = {}
    for _ in range(JOB_DEADLINE_S * 4):
        resp = await own.client.get(f"/desk/models/jobs/{job_id}.json")
        assert resp.status == 200 and resp.content_type == "application/json"
        doc = await resp.json()
        seen.append((doc["state"], doc["percent"]))
        if doc["done"]:
            break
        await asyncio.sleep(0.25)
    assert doc["state"] == "succeeded", doc
    assert doc["percent"] == 100 and doc["model_version"] and doc["error"] is None
    assert any(state == "running" and 0 < pct < 100 for state, pct in seen), seen
    assert [p for _, p in seen] == sorted(p for _, p in seen)  # progress never goes back
    candidate = doc["model_version"]
    assert await own.states() == {seed: "active", candidate: "candidate"}

    page = await (await own.client.get(f"/desk/models?job={job_id}")).text()
    assert "<noscript>" not in page and 'data-done="true"' in page
    assert f'<code id="job-version">{candidate}</code>' in page
    compared = page.split('id="comparison"')[1].split("</section>")[0]
    assert (
        f'Candidate <code class="version">{candidate}</code>' in compared
        and f'Then active <code class="version">{seed}</code>' in compared
    )
    for label in ("MCC", "ROC AUC", "Coverage", "Auto-error", "Ham auto-rejected"):
        assert f'<th scope="row">{label}</th>' in compared
    assert f'name="version" value="{candidate}"' in page  # it can be activated from here
