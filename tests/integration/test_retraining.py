"""Retraining through the API: labels, a training job, comparison, activation, hot swap, rollback.

These tests use a database of their own, so the models they register do not
change what the rest of the suite is served.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from moderation.ops.access import create_token
from moderation.store import migrations

# Liveness bounds, not performance claims: a broken hot swap or job hangs, and the
# test must fail rather than wait forever. bench/ and the closing note measure times.
JOB_DEADLINE_S = 240
SWAP_DEADLINE_S = 15


@pytest.fixture
async def own_db(fresh_database: Any) -> str:
    url = fresh_database("retraining")
    conn = await asyncpg.connect(url)
    try:
        await migrations.migrate(conn)
    finally:
        await conn.close()
    return str(url)


async def admin_headers(url: str, name: str = "root") -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        secret, _ = await create_token(conn, name, "admin")
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {secret}"}


def labels_jsonl() -> str:
    spam = [
        f"Cheap followers and backlinks {i}: buy at growth-hub-{i}.top today, best price!!!"
        for i in range(30)
    ]
    ham = [
        f"Patch note {i}: the advisory says version 2.{i} fixes the auth bypass; we rolled it out."
        for i in range(30)
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


async def wait_for_job(client: Any, headers: dict[str, str], job_id: int) -> dict[str, Any]:
    job: dict[str, Any] = {}
    for _ in range(JOB_DEADLINE_S * 2):
        job = await (await client.get(f"/v1/admin/training/{job_id}", headers=headers)).json()
        if job["state"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise AssertionError(f"training job did not finish: {job}")


async def wait_for_version(client: Any, version: str) -> None:
    seen = None
    for _ in range(SWAP_DEADLINE_S * 10):
        seen = (await (await client.get("/readyz")).json())["model_version"]
        if seen == version:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"instance still serves {seen}, not {version}")


async def test_the_whole_retraining_loop_across_two_instances(
    make_settings, make_app_client, own_db
):
    settings = make_settings(database_url=own_db, model_check_seconds=30)
    one = await make_app_client(settings)
    two = await make_app_client(settings)
    admin = await admin_headers(own_db)
    seed_version = (await (await one.get("/readyz")).json())["model_version"]
    assert (await (await two.get("/readyz")).json())["model_version"] == seed_version

    # Comments arrive and moderators label some of them.
    conn = await asyncpg.connect(own_db)
    try:
        secret, _ = await create_token(conn, "mia", "moderator")
    finally:
        await conn.close()
    mod = {"Authorization": f"Bearer {secret}"}
    for i in range(6):
        resp = await one.post(
            "/v1/comments",
            json={
                "article": "breach",
                "name": f"R{i}",
                "email": f"r{i}@example.net",
                "body": f"Question {i} about the breach timeline and the disclosure delay.",
            },
        )
        cid = (await resp.json())["id"]
        assert (
            await one.post(f"/v1/comments/{cid}/decision", headers=mod, json={"action": "approve"})
        ).status == 200

    # An admin imports labels, then trains.
    resp = await one.post(
        "/v1/admin/labels?source=old-site",
        data=labels_jsonl(),
        headers={**admin, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status == 201
    assert (await resp.json()) == {"imported": 60, "duplicates": 0, "source": "import:old-site"}
    again = await one.post(
        "/v1/admin/labels?source=old-site",
        data=labels_jsonl(),
        headers={**admin, "Content-Type": "application/x-ndjson"},
    )
    assert (await again.json())["duplicates"] == 60

    resp = await one.post("/v1/admin/training", headers=admin, json={"include_seed": True})
    assert resp.status == 202
    job = await wait_for_job(one, admin, (await resp.json())["id"])
    assert job["state"] == "succeeded", job
    candidate = job["model_version"]
    comparison = job["comparison"]
    assert comparison["candidate"]["version"] == candidate
    assert comparison["active"]["version"] == seed_version
    for side in ("candidate", "active"):
        for key in ("mcc", "roc_auc", "coverage", "auto_error_rate", "ham_auto_rejected"):
            assert key in comparison[side]
    assert comparison["heldout"]["n"] > 0
    assert job["activated"] is False  # auto_activate is off by default

    listed = await (await one.get("/v1/admin/models", headers=admin)).json()
    states = {m["version"]: m["state"] for m in listed["items"]}
    assert states == {seed_version: "active", candidate: "candidate"}
    detail = await (await one.get(f"/v1/admin/models/{candidate}", headers=admin)).json()
    assert detail["metadata"]["label_sources"]["import:old-site"] > 0
    assert detail["metadata"]["sklearn_version"]

    # Activate on one instance; the other follows without a restart.
    resp = await one.post(f"/v1/admin/models/{candidate}/activate", headers=admin)
    assert resp.status == 200
    await wait_for_version(one, candidate)
    await wait_for_version(two, candidate)
    resp = await two.post(
        "/v1/comments",
        json={"article": "breach", "name": "Z", "email": "z@example.com", "body": "Good piece."},
    )
    assert resp.status in (201, 202)
    conn = await asyncpg.connect(own_db)
    try:
        used = await conn.fetchval("SELECT model_version FROM comments ORDER BY id DESC LIMIT 1")
    finally:
        await conn.close()
    assert used == candidate

    # Roll back: the seed model is live again, everywhere.
    resp = await two.post("/v1/admin/models/rollback", headers=admin)
    assert resp.status == 200
    await wait_for_version(one, seed_version)
    await wait_for_version(two, seed_version)
    listed = await (await one.get("/v1/admin/models", headers=admin)).json()
    states = {m["version"]: m["state"] for m in listed["items"]}
    assert states == {seed_version: "active", candidate: "retired"}

    # The what-if simulator answers for the current settings and for other targets.
    sim = await (await one.get("/v1/admin/simulate", headers=admin)).json()
    assert sim["model_version"] == seed_version and sim["n"] > 0
    # three shares, each rounded to four places
    assert abs(sim["approved"] + sim["rejected"] + sim["queued"] - 1) < 2e-4
    strict = await (
        await one.get(
            "/v1/admin/simulate?spam_in_approved=0.001&ham_in_rejected=0.001", headers=admin
        )
    ).json()
    assert strict["queued"] >= sim["queued"]


async def test_a_corrupt_artifact_is_refused_and_the_active_model_stays(
    make_settings, make_app_client, own_db
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db, "boss")
    before = (await (await client.get("/readyz")).json())["model_version"]
    conn = await asyncpg.connect(own_db)
    try:
        await conn.execute(
            "INSERT INTO models (version, state, artifact) VALUES ('broken', 'candidate', $1)",
            b"PK\x03\x04 definitely not a skops file",
        )
    finally:
        await conn.close()
    resp = await client.post("/v1/admin/models/broken/activate", headers=admin)
    assert resp.status == 422
    assert resp.content_type == "application/problem+json"
    models = await (await client.get("/v1/admin/models", headers=admin)).json()
    assert {m["version"]: m["state"] for m in models["items"]}[before] == "active"
    assert (await (await client.get("/readyz")).json())["model_version"] == before


async def test_a_failed_training_job_says_why_and_changes_nothing(
    make_settings, make_app_client, own_db
):
    client = await make_app_client(make_settings(database_url=own_db))
    admin = await admin_headers(own_db, "ops")
    resp = await client.post("/v1/admin/training", headers=admin, json={"include_seed": False})
    job = await wait_for_job(client, admin, (await resp.json())["id"])
    assert job["state"] == "failed"
    assert "at least 10 spam and 10 ham" in job["error"]
    models = await (await client.get("/v1/admin/models", headers=admin)).json()
    assert len(models["items"]) == 1


async def test_model_routes_need_an_admin(client, make_token):
    mod = await make_token()
    for method, path in [
        ("GET", "/v1/admin/models"),
        ("POST", "/v1/admin/training"),
        ("POST", "/v1/admin/models/rollback"),
        ("GET", "/v1/admin/simulate"),
        ("POST", "/v1/admin/labels"),
    ]:
        assert (await client.request(method, path, headers=mod)).status == 403


async def test_unknown_model_and_job_are_404(client, make_token):
    admin = await make_token("admin")
    assert (await client.get("/v1/admin/models/nope", headers=admin)).status == 404
    assert (await client.post("/v1/admin/models/nope/activate", headers=admin)).status == 404
    assert (await client.get("/v1/admin/training/999999", headers=admin)).status == 404


async def test_labels_in_a_bad_format_are_refused(client, make_token):
    admin = await make_token("admin")
    resp = await client.post(
        "/v1/admin/labels", data="x", headers={**admin, "Content-Type": "text/plain"}
    )
    assert resp.status == 415
    resp = await client.post(
        "/v1/admin/labels",
        data='{"body": "hi", "label": "maybe"}',
        headers={**admin, "Content-Type": "application/x-ndjson"},
    )
    assert resp.status == 422
    assert "label must be spam or ham" in (await resp.json())["errors"][0]["message"]
